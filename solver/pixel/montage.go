package pixel

import (
	"image"
	"image/color"
	"image/draw"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Panel is one image of a [Montage] with the caption lines drawn above it.
type Panel struct {
	Image   *Image
	Caption []string
}

// Montage gap and text metrics, in pixels (basicfont.Face7x13).
const (
	montageGap  = 8
	captionLine = 15
)

// Montage lays the panels side by side, in order, on a white background
// with each caption above its image in black 7×13 pixel text (lines longer
// than the panel are cut). Panels of different heights are top-aligned.
func Montage(panels []Panel) *image.RGBA {
	lines, width, height := 0, montageGap, 0
	for _, p := range panels {
		lines = max(lines, len(p.Caption))
		width += p.Image.W + montageGap
		height = max(height, p.Image.H)
	}
	top := montageGap + lines*captionLine
	out := image.NewRGBA(image.Rect(0, 0, width, top+height+montageGap))
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)
	x := montageGap
	for _, p := range panels {
		im := p.Image.ToImage()
		draw.Draw(out, image.Rect(x, top, x+p.Image.W, top+p.Image.H), im, image.Point{}, draw.Src)
		clip := out.SubImage(image.Rect(x, 0, x+p.Image.W, top)).(*image.RGBA)
		d := font.Drawer{Dst: clip, Src: image.NewUniform(color.Black), Face: basicfont.Face7x13}
		for l, text := range p.Caption {
			d.Dot = fixed.P(x, montageGap+(l+1)*captionLine-4)
			d.DrawString(text)
		}
		x += p.Image.W + montageGap
	}
	return out
}
