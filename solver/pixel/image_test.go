package pixel_test

import (
	"bytes"
	"flag"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/spectune/spectune/solver/pixel"
)

var makeImages = flag.Bool("make-images", false, "rewrite testdata/images from ../../../shared/images (see testdata/images/README.md)")

// testImages are the photographs in testdata/images, 256×256 copies of
// ../shared/images.
var testImages = []string{"astronaut", "brick", "camera", "chelsea", "coffee", "grass"}

// TestMakeImages rewrites the test images under -make-images: each source
// photograph fitted (area-averaged and centre-cropped) to 256×256 and
// written as an 8-bit PNG.
func TestMakeImages(t *testing.T) {
	if !*makeImages {
		t.Skip("run with -make-images to rewrite testdata/images")
	}
	for _, name := range testImages {
		im, err := pixel.ReadImage(filepath.Join("..", "..", "..", "shared", "images", name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := im.Fit(256, 256).WritePNG(&buf); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("testdata", "images", name+".png"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestReadImage(t *testing.T) {
	for _, tc := range []struct {
		name     string
		channels int
	}{{"camera", 1}, {"brick", 1}, {"astronaut", 3}, {"coffee", 3}} {
		im, err := pixel.ReadImage(filepath.Join("testdata", "images", tc.name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		if im.H != 256 || im.W != 256 || len(im.Channels) != tc.channels {
			t.Errorf("%s: %dx%d with %d channels, want 256x256 with %d", tc.name, im.H, im.W, len(im.Channels), tc.channels)
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, ch := range im.Channels {
			for _, v := range ch {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		if lo < -1 || hi > 1 || hi-lo < 1 {
			t.Errorf("%s: values in [%v, %v], want a spread inside [-1, 1]", tc.name, lo, hi)
		}
		// 8-bit PNG round trip is exact on the 8-bit grid.
		var buf bytes.Buffer
		if err := im.WritePNG(&buf); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		path := filepath.Join(dir, "x.png")
		os.WriteFile(path, buf.Bytes(), 0o644)
		back, err := pixel.ReadImage(path)
		if err != nil {
			t.Fatal(err)
		}
		if d := pixel.PSNR(im, back); !math.IsInf(d, 1) {
			t.Errorf("%s: PNG round trip changed the image (PSNR %v dB)", tc.name, d)
		}
	}
}

func TestReadImageErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.png")
	os.WriteFile(bad, []byte("not a png"), 0o644)
	for _, path := range []string{filepath.Join(dir, "missing.png"), bad} {
		if _, err := pixel.ReadImage(path); err == nil {
			t.Errorf("%s: no error", path)
		}
	}
}

func TestFitAndMontage(t *testing.T) {
	im, err := pixel.ReadImage(filepath.Join("testdata", "images", "coffee.png"))
	if err != nil {
		t.Fatal(err)
	}
	small := im.Fit(40, 60)
	if small.H != 40 || small.W != 60 || len(small.Channels) != 3 {
		t.Fatalf("fit: %dx%d×%d", small.H, small.W, len(small.Channels))
	}
	gray := pixel.NewImage(40, 30, 1)
	m := pixel.Montage([]pixel.Panel{{Image: small, Caption: []string{"coffee", "second line"}}, {Image: gray, Caption: []string{"gray"}}})
	b := m.Bounds()
	if b.Dx() != 8+60+8+30+8 || b.Dy() < 40+2*15 {
		t.Errorf("montage is %v", b)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	// Text was drawn: the caption strip is not all white.
	dark := 0
	for y := 0; y < 8+2*15; y++ {
		for x := 0; x < b.Dx(); x++ {
			if r, _, _, _ := m.At(x, y).RGBA(); r < 0x8000 {
				dark++
			}
		}
	}
	if dark < 20 {
		t.Errorf("captions drew %d dark pixels", dark)
	}
}
