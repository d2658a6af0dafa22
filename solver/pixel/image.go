package pixel

import (
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // register JPEG
	"image/png"
	"io"
	"math"
	"os"

	"github.com/spectune/spectune/solver/internal/imageio"
)

// Image is a picture in model units, [-1, 1] (SPEC §2): one channel for a
// grayscale image, three (R, G, B) for a colour one. Each channel is its own
// signal to the samplers. Channels[c] is row-major, H rows of W values.
type Image struct {
	H, W     int
	Channels [][]float64
}

// NewImage returns a zero image of c channels.
func NewImage(h, w, c int) *Image {
	im := &Image{H: h, W: w, Channels: make([][]float64, c)}
	for i := range im.Channels {
		im.Channels[i] = make([]float64, h*w)
	}
	return im
}

// ReadImage reads a PNG or JPEG file into model units, v ↦ 2v - 1 for
// channel values v ∈ [0, 1] (16-bit precision where the file has it). An
// image whose decoded colour model is grayscale, or whose every pixel has
// R = G = B, gets one channel; others get R, G and B. Alpha is ignored.
func ReadImage(path string) (*Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("pixel: %w", err)
	}
	defer f.Close()
	src, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("pixel: %s is not a PNG or JPEG image: %w", path, err)
	}
	b := src.Bounds()
	if b.Empty() {
		return nil, fmt.Errorf("pixel: %s has no pixels", path)
	}
	rgb := NewImage(b.Dy(), b.Dx(), 3)
	gray := true
	for y := 0; y < rgb.H; y++ {
		for x := 0; x < rgb.W; x++ {
			r, g, bl, _ := src.At(b.Min.X+x, b.Min.Y+y).RGBA()
			i := y*rgb.W + x
			rgb.Channels[0][i] = 2*float64(r)/0xffff - 1
			rgb.Channels[1][i] = 2*float64(g)/0xffff - 1
			rgb.Channels[2][i] = 2*float64(bl)/0xffff - 1
			gray = gray && r == g && g == bl
		}
	}
	switch src.ColorModel() {
	case color.GrayModel, color.Gray16Model:
		gray = true
	}
	if gray {
		rgb.Channels = rgb.Channels[:1]
	}
	return rgb, nil
}

// Fit returns the image scaled to cover h×w with its aspect ratio kept (by
// exact area averaging, so downscaling does not alias) and cropped to its
// centre h×w.
func (im *Image) Fit(h, w int) *Image {
	out := &Image{H: h, W: w}
	for _, ch := range im.Channels {
		// Area averaging is linear, so it commutes with v ↦ 2v - 1.
		p := imageio.Fit(&imageio.Plane{H: im.H, W: im.W, Pix: ch}, h, w)
		out.Channels = append(out.Channels, p.Pix)
	}
	return out
}

// Clip returns a copy with every value clipped to [-1, 1], the range a PNG
// can show.
func (im *Image) Clip() *Image {
	out := NewImage(im.H, im.W, len(im.Channels))
	for c, ch := range im.Channels {
		for i, v := range ch {
			out.Channels[c][i] = math.Max(-1, math.Min(1, v))
		}
	}
	return out
}

// ToImage converts to an 8-bit image.Gray (one channel) or image.RGBA
// (three), mapping [-1, 1] to 0…255 with rounding and clipping.
func (im *Image) ToImage() image.Image {
	r := image.Rect(0, 0, im.W, im.H)
	if len(im.Channels) == 1 {
		g := image.NewGray(r)
		for i, v := range im.Channels[0] {
			g.Pix[(i/im.W)*g.Stride+i%im.W] = to8(v)
		}
		return g
	}
	out := image.NewRGBA(r)
	for i := 0; i < im.H*im.W; i++ {
		o := (i/im.W)*out.Stride + 4*(i%im.W)
		for c := 0; c < 3; c++ {
			out.Pix[o+c] = to8(im.Channels[min(c, len(im.Channels)-1)][i])
		}
		out.Pix[o+3] = 255
	}
	return out
}

// WritePNG writes the image as an 8-bit PNG (see [Image.ToImage]).
func (im *Image) WritePNG(w io.Writer) error { return png.Encode(w, im.ToImage()) }

func to8(v float64) uint8 {
	return uint8(math.Round(math.Max(0, math.Min(255, (v+1)*127.5))))
}
