module xpnet.dev/differential/goproxy

go 1.21
