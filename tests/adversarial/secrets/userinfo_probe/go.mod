module xpnet.dev/adversarial/userinfo

go 1.21
