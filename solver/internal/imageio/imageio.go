// Package imageio reads PNG and JPEG photographs as float64 planes and
// resamples them, for image priors, kernel files and restorations.
package imageio

import (
	"fmt"
	"image"
	_ "image/jpeg" // register JPEG
	_ "image/png"  // register PNG
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Plane is one channel of an image, row-major, H rows of W values.
type Plane struct {
	H, W int
	Pix  []float64
}

// ReadGray reads a PNG or JPEG file as luminance in [0, 1] (ITU-R BT.601
// weights for colour images).
func ReadGray(path string) (*Plane, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: not a PNG or JPEG image: %w", path, err)
	}
	b := img.Bounds()
	p := &Plane{H: b.Dy(), W: b.Dx(), Pix: make([]float64, b.Dx()*b.Dy())}
	for y := 0; y < p.H; y++ {
		for x := 0; x < p.W; x++ {
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			p.Pix[y*p.W+x] = (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)) / 65535
		}
	}
	return p, nil
}

// IsImage reports whether path has a PNG or JPEG extension.
func IsImage(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png", ".jpg", ".jpeg":
		return true
	}
	return false
}

// List returns the PNG and JPEG files of dir in sorted order.
func List(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if !e.IsDir() && IsImage(e.Name()) {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no PNG or JPEG images in directory", dir)
	}
	return out, nil
}

// Fit scales p so that it covers h×w with its aspect ratio kept (area
// averaging, so downscaling does not alias), then crops the centre h×w.
func Fit(p *Plane, h, w int) *Plane {
	s := math.Max(float64(h)/float64(p.H), float64(w)/float64(p.W))
	sh := max(h, int(math.Round(float64(p.H)*s)))
	sw := max(w, int(math.Round(float64(p.W)*s)))
	r := p
	if sh != p.H || sw != p.W {
		r = Resize(p, sh, sw)
	}
	oy, ox := (sh-h)/2, (sw-w)/2
	out := &Plane{H: h, W: w, Pix: make([]float64, h*w)}
	for y := 0; y < h; y++ {
		copy(out.Pix[y*w:(y+1)*w], r.Pix[(y+oy)*sw+ox:(y+oy)*sw+ox+w])
	}
	return out
}

// Resize resamples p to h×w by exact area averaging: each output pixel is the
// mean of the input area it covers.
func Resize(p *Plane, h, w int) *Plane {
	tmp := make([]float64, p.H*w)
	for y := 0; y < p.H; y++ {
		resample1(tmp[y*w:(y+1)*w], 1, p.Pix[y*p.W:(y+1)*p.W], 1, w, p.W)
	}
	out := &Plane{H: h, W: w, Pix: make([]float64, h*w)}
	for x := 0; x < w; x++ {
		resample1(out.Pix[x:], w, tmp[x:], w, h, p.H)
	}
	return out
}

// resample1 area-averages n input samples (stride sin) into m outputs
// (stride sout).
func resample1(dst []float64, sout int, src []float64, sin int, m, n int) {
	scale := float64(n) / float64(m)
	for o := 0; o < m; o++ {
		lo, hi := float64(o)*scale, float64(o+1)*scale
		acc := 0.0
		for i := int(lo); i < n && float64(i) < hi; i++ {
			a := math.Min(hi, float64(i+1)) - math.Max(lo, float64(i))
			if a > 0 {
				acc += a * src[i*sin]
			}
		}
		dst[o*sout] = acc / scale
	}
}
