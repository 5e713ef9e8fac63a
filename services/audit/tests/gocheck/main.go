// Command auditcheck cross-checks tncam's audit log with the Go reference implementation of
// transparency logs (golang.org/x/mod/sumdb/tlog) and signed notes (golang.org/x/mod/sumdb/note).
//
// It reads one JSON request on stdin and writes one JSON answer on stdout; the Python test
// (../unit/test_go_crosscheck.py) compares every figure with tncam_audit's own.
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type request struct {
	Leaves     [][]byte   `json:"leaves"`     // record data (base64 in JSON)
	Sizes      []int64    `json:"sizes"`      // tree sizes whose root hash is asked for
	Inclusions [][2]int64 `json:"inclusions"` // (index, size) pairs
	Consistent [][2]int64 `json:"consistent"` // (old size, new size) pairs
	Note       string     `json:"note"`       // a checkpoint signed by tncam
	Verifier   string     `json:"verifier"`   // its verifier key
	Signer     string     `json:"signer"`     // a tncam private key for Go to sign Text with
	Text       string     `json:"text"`
}

type answer struct {
	LeafHashes   []tlog.Hash          `json:"leaf_hashes"`
	Roots        map[string]tlog.Hash `json:"roots"`
	Inclusions   [][]tlog.Hash        `json:"inclusions"`
	Consistent   [][]tlog.Hash        `json:"consistent"`
	NoteText     string               `json:"note_text"`
	NoteSize     int64                `json:"note_size"`
	NoteRootOK   bool                 `json:"note_root_ok"`
	GoSigned     string               `json:"go_signed"`
	ForgedRefuse string               `json:"forged_refused"`
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "auditcheck: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fail("request: %v", err)
	}
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			out[i] = stored[x]
		}
		return out, nil
	})
	ans := answer{Roots: map[string]tlog.Hash{}}
	for i, data := range req.Leaves {
		ans.LeafHashes = append(ans.LeafHashes, tlog.RecordHash(data))
		hashes, err := tlog.StoredHashes(int64(i), data, reader)
		if err != nil {
			fail("stored hashes: %v", err)
		}
		stored = append(stored, hashes...)
	}
	for _, n := range req.Sizes {
		h, err := tlog.TreeHash(n, reader)
		if err != nil {
			fail("tree hash %d: %v", n, err)
		}
		ans.Roots[strconv.FormatInt(n, 10)] = h
	}
	for _, p := range req.Inclusions {
		proof, err := tlog.ProveRecord(p[1], p[0], reader)
		if err != nil {
			fail("prove record %v: %v", p, err)
		}
		ans.Inclusions = append(ans.Inclusions, proof)
	}
	for _, p := range req.Consistent {
		proof, err := tlog.ProveTree(p[1], p[0], reader)
		if err != nil {
			fail("prove tree %v: %v", p, err)
		}
		ans.Consistent = append(ans.Consistent, proof)
	}
	openCheckpoint(&req, &ans, reader)
	signer, err := note.NewSigner(req.Signer)
	if err != nil {
		fail("signer: %v", err)
	}
	signed, err := note.Sign(&note.Note{Text: req.Text}, signer)
	if err != nil {
		fail("sign: %v", err)
	}
	ans.GoSigned = string(signed)
	if err := json.NewEncoder(os.Stdout).Encode(ans); err != nil {
		fail("answer: %v", err)
	}
}

// openCheckpoint verifies tncam's signed checkpoint with note.Open and checks its root hash
// against the tree Go computed; a note with one changed byte must be refused.
func openCheckpoint(req *request, ans *answer, reader tlog.HashReader) {
	verifier, err := note.NewVerifier(req.Verifier)
	if err != nil {
		fail("verifier: %v", err)
	}
	opened, err := note.Open([]byte(req.Note), note.VerifierList(verifier))
	if err != nil {
		fail("open note: %v", err)
	}
	ans.NoteText = opened.Text
	lines := strings.SplitN(opened.Text, "\n", 4)
	if len(lines) < 4 {
		fail("checkpoint body has %d lines", len(lines))
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("checkpoint size: %v", err)
	}
	ans.NoteSize = size
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil {
		fail("checkpoint root: %v", err)
	}
	h, err := tlog.TreeHash(size, reader)
	if err != nil {
		fail("tree hash %d: %v", size, err)
	}
	ans.NoteRootOK = string(root) == string(h[:])
	forged := strings.Replace(req.Note, lines[1], strconv.FormatInt(size+1, 10), 1)
	if _, err := note.Open([]byte(forged), note.VerifierList(verifier)); err != nil {
		ans.ForgedRefuse = err.Error()
	}
}
