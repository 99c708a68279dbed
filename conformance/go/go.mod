module github.com/csr-oms/csr-oms/conformance/go

go 1.24
