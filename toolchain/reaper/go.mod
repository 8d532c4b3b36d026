module meshwright.local/reaper

go 1.22
