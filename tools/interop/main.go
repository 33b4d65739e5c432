// Command tlog-interop checks an Arbiter chain with other people's code: Go's golang.org/x/mod/sumdb/note
// (signed-note checkpoint), github.com/transparency-dev/formats/note (C2SP tlog-cosignature/v1 witness
// cosignatures on that checkpoint), golang.org/x/mod/sumdb/tlog (tiles, record and tree proofs) and
// github.com/transparency-dev/merkle (RFC 6962 inclusion and consistency proofs). It talks to a running
// `arbiter serve` over HTTP with a Bearer key, prints one JSON line and exits 0 only when every check passes.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	fnote "github.com/transparency-dev/formats/note"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var (
	baseURL = flag.String("url", "", "server base URL, e.g. http://127.0.0.1:8080")
	key     = flag.String("key", "", "Bearer API key (auditor)")
	chain   = flag.String("chain", "default", "chain id")
	vkey    = flag.String("vkey", "", "the log's note verifier key (arbiter checkpoint --vkey)")
	seq     = flag.Int64("seq", 1, "entry to prove included (1-based)")
	from    = flag.Int64("from", 1, "older tree size to prove consistent with the checkpoint")
	witness witnessKeys
)

// witnessKeys is the repeatable -witness-vkey flag.
type witnessKeys []string

func (w *witnessKeys) String() string     { return strings.Join(*w, ",") }
func (w *witnessKeys) Set(v string) error { *w = append(*w, v); return nil }

func init() {
	flag.Var(&witness, "witness-vkey", "a witness's cosignature/v1 verifier key (arbiter witness --vkey); repeatable: "+
		"the served checkpoint must carry a valid cosignature from each")
}

func fail(format string, args ...any) {
	out, _ := json.Marshal(map[string]any{"ok": false, "error": fmt.Sprintf(format, args...)})
	fmt.Println(string(out))
	os.Exit(1)
}

func get(path string) []byte {
	req, err := http.NewRequest("GET", *baseURL+path, nil)
	if err != nil {
		fail("request %s: %v", path, err)
	}
	req.Header.Set("Authorization", "Bearer "+*key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		fail("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		fail("GET %s: status %d: %s", path, res.StatusCode, string(body))
	}
	return body
}

// tileReader fetches C2SP tlog-tiles paths: Go's tlog paths carry the height (tile/8/L/N), C2SP's do not.
type tileReader struct{ fetched int }

func (r *tileReader) Height() int { return 8 }

func (r *tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		path := strings.Replace(t.Path(), "tile/8/", "tile/", 1)
		out[i] = get("/tlog/" + *chain + "/" + path)
		r.fetched++
	}
	return out, nil
}

func (r *tileReader) SaveTiles([]tlog.Tile, [][]byte) {}

func hexHashes(list []string) [][]byte {
	out := make([][]byte, len(list))
	for i, h := range list {
		b, err := hex.DecodeString(h)
		if err != nil || len(b) != 32 {
			fail("bad hash %q", h)
		}
		out[i] = b
	}
	return out
}

func toTlog(list [][]byte) []tlog.Hash {
	out := make([]tlog.Hash, len(list))
	for i, b := range list {
		copy(out[i][:], b)
	}
	return out
}

// signature is the verified signature of v on n (note.Open put it in n.Sigs only if it verified).
func signature(n *note.Note, v note.Verifier) (note.Signature, bool) {
	for _, s := range n.Sigs {
		if s.Name == v.Name() && s.Hash == v.KeyHash() {
			return s, true
		}
	}
	return note.Signature{}, false
}

func signedBy(n *note.Note, v note.Verifier) bool {
	_, ok := signature(n, v)
	return ok
}

func main() {
	flag.Parse()
	verifier, err := note.NewVerifier(*vkey)
	if err != nil {
		fail("verifier key: %v", err)
	}
	// 1. The checkpoint: a signed note that Go's note package opens with the log's key and, for each
	// -witness-vkey, a C2SP cosignature/v1 verifier from transparency-dev/formats. note.Open fails on a
	// known key's bad signature; a cosignature by a key it does not know lands in UnverifiedSigs.
	verifiers := []note.Verifier{verifier}
	for _, w := range witness {
		v, err := fnote.NewVerifierForCosignatureV1(w)
		if err != nil {
			fail("witness verifier key %q: %v", w, err)
		}
		verifiers = append(verifiers, v)
	}
	msg := get("/tlog/" + *chain + "/checkpoint")
	n, err := note.Open(msg, note.VerifierList(verifiers...))
	if err != nil {
		fail("note.Open: %v", err)
	}
	if !signedBy(n, verifier) {
		fail("the checkpoint carries no valid signature from the log key %s", verifier.Name())
	}
	cosigned := []map[string]any{}
	for _, v := range verifiers[1:] {
		sig, ok := signature(n, v)
		if !ok {
			fail("the checkpoint carries no valid cosignature from witness %s+%08x", v.Name(), v.KeyHash())
		}
		t, err := fnote.CoSigV1Timestamp(sig)
		if err != nil {
			fail("cosignature timestamp of %s: %v", v.Name(), err)
		}
		cosigned = append(cosigned, map[string]any{"name": v.Name(), "key_hash": fmt.Sprintf("%08x", v.KeyHash()), "time": t.Unix()})
	}
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) < 3 || lines[0] != verifier.Name() {
		fail("checkpoint origin %q does not match key name %q", lines[0], verifier.Name())
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("checkpoint size: %v", err)
	}
	rootBytes, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(rootBytes) != 32 {
		fail("checkpoint root: %v", err)
	}
	var root tlog.Hash
	copy(root[:], rootBytes)

	// 2. Tiles: tlog's TileHashReader checks every tile it reads against the checkpoint's root.
	tiles := &tileReader{}
	hr := tlog.TileHashReader(tlog.Tree{N: size, Hash: root}, tiles)
	th, err := tlog.TreeHash(size, hr)
	if err != nil || th != root {
		fail("tlog.TreeHash over tiles: %v (%v vs %v)", err, th, root)
	}

	// 3. The entry: its leaf bytes from the entry bundle hash to the level-0 tile hash.
	idx := *seq - 1
	bundle := idx / 256
	width := int64(256)
	if (bundle+1)*256 > size {
		width = size - bundle*256
	}
	bundlePath := tlog.Tile{H: 8, L: 0, N: bundle, W: int(width)}.Path()
	bundlePath = strings.Replace(bundlePath, "tile/8/0/", "tile/entries/", 1)
	data := get("/tlog/" + *chain + "/" + bundlePath)
	var leaf []byte
	for i, r := int64(0), bytes.NewReader(data); r.Len() > 0; i++ {
		var l uint16
		if err := binary.Read(r, binary.BigEndian, &l); err != nil {
			fail("entry bundle: %v", err)
		}
		b := make([]byte, l)
		if _, err := io.ReadFull(r, b); err != nil {
			fail("entry bundle: %v", err)
		}
		if bundle*256+i == idx {
			leaf = b
		}
	}
	if leaf == nil {
		fail("entry %d not in its bundle", *seq)
	}
	leafHash := tlog.RecordHash(leaf)
	stored, err := hr.ReadHashes([]int64{tlog.StoredHashIndex(0, idx)})
	if err != nil || stored[0] != leafHash {
		fail("leaf hash of entry %d does not match the level-0 tile: %v", *seq, err)
	}

	// 4. Inclusion proof from the API, checked by tlog and by transparency-dev/merkle.
	var inc struct {
		TreeSize int64    `json:"tree_size"`
		Proof    []string `json:"proof"`
	}
	if err := json.Unmarshal(get(fmt.Sprintf("/v1/chains/%s/proofs/inclusion?seq=%d&size=%d", *chain, *seq, size)), &inc); err != nil {
		fail("inclusion json: %v", err)
	}
	incProof := hexHashes(inc.Proof)
	if err := tlog.CheckRecord(toTlog(incProof), size, root, idx, leafHash); err != nil {
		fail("tlog.CheckRecord: %v", err)
	}
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(idx), uint64(size), leafHash[:], incProof, root[:]); err != nil {
		fail("merkle proof.VerifyInclusion: %v", err)
	}
	ownProof, err := tlog.ProveRecord(size, idx, hr)
	if err != nil || len(ownProof) != len(incProof) {
		fail("tlog.ProveRecord over tiles: %v", err)
	}
	for i := range ownProof {
		if !bytes.Equal(ownProof[i][:], incProof[i]) {
			fail("API inclusion proof differs from tlog.ProveRecord at %d", i)
		}
	}

	// 5. Consistency proof from the API (older root computed from the tiles by tlog).
	var con struct {
		FromRoot string   `json:"from_root"`
		Proof    []string `json:"proof"`
	}
	if err := json.Unmarshal(get(fmt.Sprintf("/v1/chains/%s/proofs/consistency?from=%d&to=%d", *chain, *from, size)), &con); err != nil {
		fail("consistency json: %v", err)
	}
	oldRoot, err := tlog.TreeHash(*from, hr)
	if err != nil || hex.EncodeToString(oldRoot[:]) != con.FromRoot {
		fail("tlog.TreeHash(%d) does not match from_root: %v", *from, err)
	}
	conProof := hexHashes(con.Proof)
	if err := tlog.CheckTree(toTlog(conProof), size, root, *from, oldRoot); err != nil {
		fail("tlog.CheckTree: %v", err)
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, uint64(*from), uint64(size), conProof, oldRoot[:], root[:]); err != nil {
		fail("merkle proof.VerifyConsistency: %v", err)
	}
	out, _ := json.Marshal(map[string]any{
		"ok": true, "origin": lines[0], "size": size, "root": lines[2], "tiles_fetched": tiles.fetched,
		"seq": *seq, "from": *from, "cosignatures": cosigned, "unverified_signatures": len(n.UnverifiedSigs),
	})
	fmt.Println(string(out))
}
