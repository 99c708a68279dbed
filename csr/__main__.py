from csr.cli.app import main

main()
