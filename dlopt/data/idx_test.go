package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"slices"
	"testing"
)

// encodeIDX writes an IDX header with the given magic type and dimensions, followed by data.
func encodeIDX(typ byte, dims []uint32, data []byte) []byte {
	var buf bytes.Buffer
	buf.Write([]byte{0, 0, typ, byte(len(dims))})
	for _, d := range dims {
		_ = binary.Write(&buf, binary.BigEndian, d)
	}
	buf.Write(data)
	return buf.Bytes()
}

func gzipBytes(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestParseIDXValid(t *testing.T) {
	data := []byte{1, 2, 3, 4, 5, 6}
	idx, err := ParseIDX(bytes.NewReader(encodeIDX(0x08, []uint32{2, 3}, data)), 100)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(idx.Dims, []int{2, 3}) || !bytes.Equal(idx.Data, data) {
		t.Fatalf("got dims %v data %v, want [2 3] %v", idx.Dims, idx.Data, data)
	}
}

func TestParseIDXRejects(t *testing.T) {
	valid := encodeIDX(0x08, []uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	tests := []struct {
		name        string
		input       []byte
		maxElements int
	}{
		{"empty", nil, 100},
		{"short magic", []byte{0, 0, 8}, 100},
		{"nonzero magic prefix", append([]byte{1}, valid[1:]...), 100},
		{"float element type", encodeIDX(0x0D, []uint32{2}, make([]byte, 8)), 100},
		{"rank zero", []byte{0, 0, 8, 0}, 100},
		{"short dimensions", valid[:9], 100},
		{"zero dimension", encodeIDX(0x08, []uint32{2, 0}, nil), 100},
		{"truncated data", valid[:len(valid)-1], 100},
		{"trailing byte", append(slices.Clone(valid), 7), 100},
		{"more elements than allowed", valid, 5},
		{"lying header 2^32-1 squared", encodeIDX(0x08, []uint32{0xFFFFFFFF, 0xFFFFFFFF}, []byte{1}), 1 << 62},
		{"lying header within limit", encodeIDX(0x08, []uint32{60000, 28, 28}, []byte{1, 2, 3}), 60000 * 28 * 28},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			idx, err := ParseIDX(bytes.NewReader(tc.input), tc.maxElements)
			if err == nil {
				t.Fatalf("ParseIDX accepted it: dims %v", idx.Dims)
			}
			if !errors.Is(err, ErrIDX) {
				t.Fatalf("error %v does not wrap ErrIDX", err)
			}
		})
	}
}

func TestReadIDXGzip(t *testing.T) {
	raw := encodeIDX(0x08, []uint32{3}, []byte{7, 8, 9})
	gz := gzipBytes(t, raw)
	idx, err := ReadIDXGzip(bytes.NewReader(gz), 10)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(idx.Data, []byte{7, 8, 9}) {
		t.Fatalf("data %v, want [7 8 9]", idx.Data)
	}
	corrupt := slices.Clone(gz)
	corrupt[len(corrupt)-6] ^= 0xFF // flips a CRC byte of the gzip trailer
	bad := map[string][]byte{
		"not gzip":      raw,
		"truncated gz":  gz[:len(gz)-4],
		"corrupted crc": corrupt,
		"junk after gz": append(slices.Clone(gz), []byte("junk")...),
		"two members":   append(slices.Clone(gz), gz...), // the data twice: trailing bytes
	}
	for name, input := range bad {
		if _, err := ReadIDXGzip(bytes.NewReader(input), 10); err == nil {
			t.Errorf("%s: ReadIDXGzip accepted it", name)
		}
	}
}

// FuzzParseIDX checks that no input makes the parser panic or return data that disagrees
// with its own dimensions.
func FuzzParseIDX(f *testing.F) {
	f.Add(encodeIDX(0x08, []uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6}))
	f.Add(encodeIDX(0x08, []uint32{1}, []byte{9}))
	f.Add(encodeIDX(0x08, []uint32{4, 2, 2}, make([]byte, 16)))
	f.Add(encodeIDX(0x08, []uint32{0xFFFFFFFF, 2}, nil))
	f.Add([]byte{0, 0, 8, 0})
	f.Fuzz(func(t *testing.T, input []byte) {
		const maxElements = 1 << 16
		idx, err := ParseIDX(bytes.NewReader(input), maxElements)
		if err != nil {
			if !errors.Is(err, ErrIDX) {
				t.Fatalf("error %v does not wrap ErrIDX", err)
			}
			return
		}
		total := 1
		for _, d := range idx.Dims {
			if d <= 0 {
				t.Fatalf("accepted non-positive dimension in %v", idx.Dims)
			}
			total *= d
		}
		if total != len(idx.Data) || total > maxElements {
			t.Fatalf("dims %v (%d elements) but %d data bytes (limit %d)", idx.Dims, total, len(idx.Data), maxElements)
		}
		if want := 4 + 4*len(idx.Dims) + total; want != len(input) {
			t.Fatalf("accepted %d bytes, a well-formed file of dims %v has %d", len(input), idx.Dims, want)
		}
	})
}
