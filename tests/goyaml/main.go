// Reads YAML the way kubectl does, as a second parser beside libyaml for the tests; with the
// argument v3, the way kustomize and kpt do (yaml.v3: YAML 1.2 rules, where kubectl's
// sigs.k8s.io/yaml follows YAML 1.1: `on` is a string there, a boolean here).
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

	yamlv3 "go.yaml.in/yaml/v3"
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

// toJSON converts what yaml.v3 decodes into interface{} to what encoding/json can write: keys
// that are not strings are written as fmt prints them.
func toJSON(value interface{}) interface{} {
	switch v := value.(type) {
	case map[string]interface{}:
		for key, item := range v {
			v[key] = toJSON(item)
		}
		return v
	case map[interface{}]interface{}:
		out := make(map[string]interface{}, len(v))
		for key, item := range v {
			out[fmt.Sprint(key)] = toJSON(item)
		}
		return out
	case []interface{}:
		for i, item := range v {
			v[i] = toJSON(item)
		}
		return v
	}
	return value
}

// convertV3 reads one document as kustomize's kyaml does, with yaml.v3.
func convertV3(doc []byte) ([]byte, error) {
	var value interface{}
	if err := yamlv3.Unmarshal(doc, &value); err != nil {
		return nil, err
	}
	return json.Marshal(toJSON(value))
}

var convert = yaml.YAMLToJSON

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
		converted, err := convert(doc)
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
	if len(os.Args) > 1 && os.Args[1] == "v3" {
		convert = convertV3
	}
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
