module meshwright.local/workload

go 1.22
