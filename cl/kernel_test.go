package cl

import (
	"strings"
	"testing"
)

func TestSetArgRejectsGoInt(t *testing.T) {
	var k Kernel // no device needed: types are checked before any C call
	err := k.SetArg(0, 42)
	if err == nil {
		t.Fatal("SetArg(int) succeeded")
	}
	for _, want := range []string{"cl: ", "Go int", "int32", "int64"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	for _, v := range []any{uint(1), uintptr(1), "x", nil, []float64{1}, int16(1), MemObject{}, (*MemObject)(nil), LocalBuffer(0)} {
		if err := k.SetArg(0, v); err == nil || !strings.HasPrefix(err.Error(), "cl: ") {
			t.Errorf("SetArg(%T) = %v, want a cl: error", v, err)
		}
	}
	if err := k.SetArg(0, int32(1)); err == nil {
		t.Error("SetArg on a zero Kernel succeeded")
	}
}

func TestNilObjectsDoNotPanic(t *testing.T) {
	var (
		lib *Library
		q   *CommandQueue
		c   *Context
		p   *Program
		k   *Kernel
		m   *MemObject
		e   *Event
	)
	if _, err := lib.GetPlatforms(); err == nil {
		t.Error("nil Library.GetPlatforms succeeded")
	}
	if _, err := lib.CreateContext(nil); err == nil {
		t.Error("nil Library.CreateContext succeeded")
	}
	if err := q.Finish(); err == nil {
		t.Error("nil queue Finish succeeded")
	}
	if _, err := q.EnqueueReadBufferFloat64(m, true, 0, make([]float64, 1), nil); err == nil {
		t.Error("nil queue read succeeded")
	}
	if _, err := c.CreateBuffer(MemReadWrite, 8); err == nil {
		t.Error("nil context CreateBuffer succeeded")
	}
	if err := p.BuildProgram(nil, ""); err == nil {
		t.Error("nil program build succeeded")
	}
	if _, err := k.WorkGroupSize(nil); err == nil {
		t.Error("nil kernel WorkGroupSize succeeded")
	}
	if err := e.Wait(); err == nil {
		t.Error("nil event Wait succeeded")
	}
	if m.Size() != 0 {
		t.Error("nil buffer has a size")
	}
	if err := lib.Close(); err != nil {
		t.Error(err)
	}
	q.Release()
	c.Release()
	p.Release()
	k.Release()
	m.Release()
	e.Release()
}
