// Reads YAML the way kubectl does, as a second parser beside libyaml for the tests.
//
// stdin: a JSON array of strings, each a whole multi-document YAML stream.
// stdout: a JSON array, one element per stream: {"docs": [...]} or {"error": "..."}.
//
// Streams are split into documents like k8s.io/apimachinery/pkg/util/yaml's YAMLReader (what
// kubectl apply -f reads files with), mirrored here so the only dependency is sigs.k8s.io/yaml.
// Each document is converted with yaml.YAMLToJSON, as kubectl does (a later duplicate key wins, so
// a key overriding a merged one works); documents
// that are empty, only comments or null are dropped, as kubectl's StreamVisitor drops them.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"sigs.k8s.io/yaml"
)

type result struct {
	Docs  *[]json.RawMessage `json:"docs,omitempty"` // a pointer, so that no documents is []
	Error *string            `json:"error,omitempty"`
}

// readLine mirrors apimachinery's LineReader.Read: one line, its "\n" or "\r\n" removed by
// bufio.Reader.ReadLine, then "\n" appended (also at EOF).
func readLine(r *bufio.Reader) ([]byte, error) {
	var (
		isPrefix = true
		err      error
		line     []byte
		buffer   bytes.Buffer
	)
	for isPrefix && err == nil {
		line, isPrefix, err = r.ReadLine()
		buffer.Write(line)
	}
	buffer.WriteByte('\n')
	return buffer.Bytes(), err
}

// readDocument mirrors apimachinery's YAMLReader.Read: the next document, or io.EOF.
func readDocument(r *bufio.Reader) ([]byte, error) {
	const separator = "---"
	var buffer bytes.Buffer
	for {
		line, err := readLine(r)
		if err != nil && err != io.EOF {
			return nil, err
		}
		if bytes.HasPrefix(line, []byte(separator)) {
			trimmed := strings.TrimSpace(string(line[len(separator):]))
			// Only spaces and a comment may follow the separator.
			if len(trimmed) > 0 && trimmed[0] != '#' {
				return nil, fmt.Errorf("invalid Yaml document separator: %s", trimmed)
			}
			if buffer.Len() != 0 {
				return buffer.Bytes(), nil
			}
			if err == io.EOF {
				return nil, err
			}
		}
		if err == io.EOF {
			if buffer.Len() != 0 {
				return buffer.Bytes(), nil
			}
			return nil, err
		}
		buffer.Write(line)
	}
}

func load(stream string) result {
	r := bufio.NewReader(strings.NewReader(stream))
	docs := []json.RawMessage{}
	for {
		doc, err := readDocument(r)
		if err == io.EOF {
			return result{Docs: &docs}
		}
		if err != nil {
			return fail(err)
		}
		converted, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return fail(err)
		}
		converted = bytes.TrimSpace(converted)
		if len(converted) == 0 || bytes.Equal(converted, []byte("null")) {
			continue
		}
		docs = append(docs, converted)
	}
}

func fail(err error) result {
	message := err.Error()
	return result{Error: &message}
}

func main() {
	var streams []string
	if err := json.NewDecoder(os.Stdin).Decode(&streams); err != nil {
		fmt.Fprintln(os.Stderr, "goyaml: stdin must be a JSON array of strings:", err)
		os.Exit(2)
	}
	results := make([]result, len(streams))
	for i, stream := range streams {
		results[i] = load(stream)
	}
	out := bufio.NewWriter(os.Stdout)
	if err := json.NewEncoder(out).Encode(results); err != nil {
		fmt.Fprintln(os.Stderr, "goyaml:", err)
		os.Exit(1)
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "goyaml:", err)
		os.Exit(1)
	}
}
