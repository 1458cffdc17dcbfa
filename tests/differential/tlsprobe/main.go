// Command tlsprobe does an HTTPS GET for each URL argument and prints one JSON line per URL:
// {"url": ..., "ok": true|false, "error": "unknown-authority" | "hostname" | "other: ..."}.
//
// By default the client is Go's default one: an http.Transport that takes its proxy from the
// environment (HTTPS_PROXY, NO_PROXY) and leaves TLSClientConfig nil, so the roots are the
// system pool (what x509.SystemCertPool returns: SSL_CERT_FILE, SSL_CERT_DIR, the default
// bundle files and directories).
//
// With -crossplane-ca-bundle the roots are built as Crossplane core builds them for package
// pulls from CA_BUNDLE_PATH, reproduced from
//   - crossplane/crossplane@2d040d2daf4e001799c4154a4a09b9e1f40d7fde
//     cmd/crossplane/core/certs.go ParseCertificatesFromPath, called from
//     cmd/crossplane/core/core.go (Run: `if c.CABundlePath != ""`, env CA_BUNDLE_PATH; an
//     error stops core with "cannot parse CA bundle");
//   - crossplane/crossplane-runtime@4e7ed235565d24a6f6ad255aeacb82f09973b875
//     pkg/xpkg/fetch.go NewK8sFetcher (a clone of go-containerregistry's remote.DefaultTransport,
//     whose Proxy is http.ProxyFromEnvironment) and WithCustomCA (TLSClientConfig replaced by
//     {RootCAs: pool, MinVersion: TLS 1.2}).
package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

type result struct {
	URL   string `json:"url"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// parseCertificatesFromPath is Crossplane core's ParseCertificatesFromPath (certs.go), with
// fmt errors in place of crossplane-runtime's errors package.
func parseCertificatesFromPath(path string) (*x509.CertPool, error) {
	// Get the SystemCertPool, continue with an empty pool on error
	rootCAs, _ := x509.SystemCertPool()
	if rootCAs == nil {
		rootCAs = x509.NewCertPool()
	}

	// Read in the cert file
	certs, err := os.ReadFile(filepath.Clean(path))
	if err != nil {
		return nil, fmt.Errorf("Failed to append %q to RootCAs: %w", path, err)
	}

	// Append our cert to the system pool
	if ok := rootCAs.AppendCertsFromPEM(certs); !ok {
		return nil, fmt.Errorf("No certificates could be parsed from %q", path)
	}

	return rootCAs, nil
}

func class(err error) string {
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &unknown):
		return "unknown-authority"
	case errors.As(err, &hostname):
		return "hostname"
	case errors.As(err, &invalid):
		return "invalid-certificate"
	}
	return "other: " + err.Error()
}

func main() {
	crossplane := flag.Bool("crossplane-ca-bundle", false,
		"roots as Crossplane core builds them for package pulls: system pool + CA_BUNDLE_PATH")
	flag.Parse()
	transport := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		ForceAttemptHTTP2:   true,
		TLSHandshakeTimeout: 10 * time.Second,
	}
	startup := ""
	if path := os.Getenv("CA_BUNDLE_PATH"); *crossplane && path != "" {
		roots, err := parseCertificatesFromPath(path)
		if err != nil {
			startup = "other: crossplane would not start: cannot parse CA bundle: " + err.Error()
		} else {
			transport.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
		}
	}
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}
	out := json.NewEncoder(os.Stdout)
	for _, url := range flag.Args() {
		r := result{URL: url, Error: startup}
		if startup == "" {
			resp, err := client.Get(url)
			if err != nil {
				r.Error = class(err)
			} else {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				r.OK = resp.StatusCode == http.StatusOK
				if !r.OK {
					r.Error = "other: HTTP " + resp.Status
				}
			}
		}
		if err := out.Encode(r); err != nil {
			os.Exit(1)
		}
	}
}
