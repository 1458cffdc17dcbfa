// grpc-go 1.71.1 through go.mod; 1.70.0 through v1.70.0.mod (go build -modfile=v1.70.0.mod).
// Dials each gRPC target given as an argument with grpc.NewClient (insecure credentials) and
// waits briefly for a connection attempt; whether it went through a proxy is observed by the
// recording CONNECT proxy the test runs. The grpc-go version comes from the go.mod used.
// GRPCPROBE_WITH_NO_PROXY=1 dials with grpc.WithNoProxy() (one of the remedies of issue 13).
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"
)

func main() {
	options := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if os.Getenv("GRPCPROBE_WITH_NO_PROXY") == "1" {
		options = append(options, grpc.WithNoProxy())
	}
	for _, target := range os.Args[1:] {
		conn, err := grpc.NewClient(target, options...)
		if err != nil {
			fmt.Println("ERROR", err)
			continue
		}
		conn.Connect()
		ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
		for state := conn.GetState(); state != connectivity.TransientFailure && state != connectivity.Ready; state = conn.GetState() {
			if !conn.WaitForStateChange(ctx, state) {
				break
			}
		}
		cancel()
		fmt.Println("DONE", target, conn.GetState())
		conn.Close()
	}
}
