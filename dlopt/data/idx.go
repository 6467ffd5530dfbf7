package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// IDX is a decoded IDX file (the format of MNIST and Fashion-MNIST): an unsigned-byte array
// with its dimensions, row-major.
type IDX struct {
	Dims []int
	Data []byte
}

// idxTypeUint8 is the IDX element-type code for unsigned bytes, the only type
// Fashion-MNIST uses.
const idxTypeUint8 = 0x08

// ErrIDX is wrapped by every error that reports a malformed IDX stream.
var ErrIDX = errors.New("malformed IDX data")

// ParseIDX decodes an uncompressed IDX stream of unsigned bytes.
//
// maxElements bounds the element count the header may declare. The data buffer grows only as
// bytes actually arrive, so a header that lies about its size costs no more memory than the
// bytes that are really there. Trailing bytes after the declared data are an error, as are a
// short stream, a wrong magic number, an element type other than unsigned byte (0x08), zero
// dimensions and a zero-sized dimension.
func ParseIDX(r io.Reader, maxElements int) (*IDX, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, fmt.Errorf("%w: reading the 4-byte magic number: %v", ErrIDX, err)
	}
	if head[0] != 0 || head[1] != 0 {
		return nil, fmt.Errorf("%w: magic number % x must start with two zero bytes", ErrIDX, head)
	}
	if head[2] != idxTypeUint8 {
		return nil, fmt.Errorf("%w: element type 0x%02x: only unsigned byte (0x08) is supported", ErrIDX, head[2])
	}
	rank := int(head[3])
	if rank == 0 {
		return nil, fmt.Errorf("%w: header declares 0 dimensions", ErrIDX)
	}
	dimBytes := make([]byte, 4*rank)
	if _, err := io.ReadFull(r, dimBytes); err != nil {
		return nil, fmt.Errorf("%w: reading %d dimensions: %v", ErrIDX, rank, err)
	}
	dims := make([]int, rank)
	total := 1
	for i := range dims {
		d := binary.BigEndian.Uint32(dimBytes[4*i:])
		if d == 0 {
			return nil, fmt.Errorf("%w: dimension %d is 0", ErrIDX, i)
		}
		// Checked before multiplying, so the product never overflows.
		if uint64(total)*uint64(d) > uint64(maxElements) || uint64(total)*uint64(d) > math.MaxInt32 {
			return nil, fmt.Errorf("%w: dimensions %v declare more than the allowed %d elements", ErrIDX,
				decodedDims(dimBytes), maxElements)
		}
		dims[i] = int(d)
		total *= int(d)
	}
	// Read one byte more than declared to detect trailing garbage; io.ReadAll grows its buffer
	// with the data actually read, never to the declared size up front.
	data, err := io.ReadAll(io.LimitReader(r, int64(total)+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading %d data bytes for dimensions %v: %v", ErrIDX, total, dims, err)
	}
	switch {
	case len(data) < total:
		return nil, fmt.Errorf("%w: truncated: dimensions %v need %d data bytes, found %d", ErrIDX, dims, total, len(data))
	case len(data) > total:
		return nil, fmt.Errorf("%w: trailing bytes after the %d data bytes of dimensions %v", ErrIDX, total, dims)
	}
	return &IDX{Dims: dims, Data: data}, nil
}

func decodedDims(b []byte) []uint32 {
	out := make([]uint32, len(b)/4)
	for i := range out {
		out[i] = binary.BigEndian.Uint32(b[4*i:])
	}
	return out
}

// ReadIDXGzip decodes a gzip-compressed IDX stream (the .gz files of Fashion-MNIST); see
// [ParseIDX] for maxElements. A corrupt gzip stream, or one followed by garbage, is an error.
func ReadIDXGzip(r io.Reader, maxElements int) (*IDX, error) {
	zr, err := gzip.NewReader(bufio.NewReader(r))
	if err != nil {
		return nil, fmt.Errorf("%w: not a gzip stream: %v", ErrIDX, err)
	}
	defer zr.Close()
	idx, err := ParseIDX(zr, maxElements)
	if err != nil {
		return nil, err
	}
	return idx, nil
}
