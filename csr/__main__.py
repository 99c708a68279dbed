from csr.cli import main

main()
