module tlsprobe

go 1.22
