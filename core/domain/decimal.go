package domain

import (
	"errors"
	"strconv"
	"strings"
)

// Decimal is an exact base-10 number: Units × 10^-Scale. Prices from
// OpenRouter arrive as decimal strings ("0.0000005"); keeping them exact
// avoids float64 artefacts such as 0.49999999999999994 per million tokens.
type Decimal struct {
	units int64
	scale int32
}

// maxDecimalDigits keeps Units within int64 with room for scaling.
const maxDecimalDigits = 18

// maxDecimalScale bounds the exponent: prices are nowhere near 10^±40.
const maxDecimalScale = 40

var errBadDecimal = errors.New("not a decimal number")

// ParseDecimal parses a plain decimal string such as "0.0000005", "-1",
// "12" or "1e-7". It returns an error for anything else, including more
// significant digits than fit exactly.
func ParseDecimal(s string) (Decimal, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Decimal{}, errBadDecimal
	}
	var exp int64
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.ParseInt(s[i+1:], 10, 32)
		if err != nil || e > 100 || e < -100 {
			return Decimal{}, errBadDecimal
		}
		exp = e
		s = s[:i]
	}
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg = true
		s = s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	var units int64
	var scale int32
	digits, pending, seenDot, any := 0, 0, false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if seenDot {
				return Decimal{}, errBadDecimal
			}
			seenDot = true
		case c >= '0' && c <= '9':
			any = true
			if seenDot {
				scale++
			}
			if c == '0' {
				if units != 0 {
					pending++ // a zero between or after significant digits
				}
				continue
			}
			digits += pending + 1
			if digits > maxDecimalDigits {
				return Decimal{}, errBadDecimal
			}
			for ; pending > 0; pending-- {
				units *= 10
			}
			units = units*10 + int64(c-'0')
		default:
			return Decimal{}, errBadDecimal
		}
	}
	scale -= int32(pending) // trailing zeros
	if !any {
		return Decimal{}, errBadDecimal
	}
	if neg {
		units = -units
	}
	d := Decimal{units: units, scale: scale - int32(exp)}.normalize()
	if d.scale > maxDecimalScale || d.scale < -maxDecimalScale {
		return Decimal{}, errBadDecimal
	}
	return d, nil
}

// MustDecimal is ParseDecimal that panics on error; for constants and tests.
func MustDecimal(s string) Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		panic("domain.MustDecimal(" + strconv.Quote(s) + "): " + err.Error())
	}
	return d
}

// normalize strips trailing zeros so that equal values compare equal.
func (d Decimal) normalize() Decimal {
	if d.units == 0 {
		return Decimal{}
	}
	for d.units%10 == 0 {
		d.units /= 10
		d.scale--
	}
	return d
}

// IsZero reports whether d is 0.
func (d Decimal) IsZero() bool { return d.units == 0 }

// Sign returns -1, 0 or +1.
func (d Decimal) Sign() int {
	switch {
	case d.units < 0:
		return -1
	case d.units > 0:
		return 1
	}
	return 0
}

// Equal reports whether d and o are the same number.
func (d Decimal) Equal(o Decimal) bool { return d.normalize() == o.normalize() }

// Shift returns d × 10^n, exactly.
func (d Decimal) Shift(n int) Decimal {
	if d.units == 0 {
		return d
	}
	d.scale -= int32(n)
	return d
}

// Float64 returns the nearest float64, for arithmetic where exactness no longer matters.
func (d Decimal) Float64() float64 {
	f, _ := strconv.ParseFloat(d.String(), 64)
	return f
}

// String returns the exact plain decimal form, e.g. "0.0000005" or "-1".
func (d Decimal) String() string {
	if d.units == 0 {
		return "0"
	}
	neg := d.units < 0
	u := d.units
	if neg {
		u = -u
	}
	digits := strconv.FormatInt(u, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	switch {
	case d.scale <= 0:
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", int(-d.scale)))
	case int(d.scale) >= len(digits):
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", int(d.scale)-len(digits)))
		b.WriteString(digits)
	default:
		cut := len(digits) - int(d.scale)
		b.WriteString(digits[:cut])
		b.WriteByte('.')
		b.WriteString(digits[cut:])
	}
	return b.String()
}

// Round returns d rounded half away from zero to places digits after the point.
func (d Decimal) Round(places int) Decimal {
	if int(d.scale) <= places {
		return d
	}
	drop := int(d.scale) - places
	if drop > maxDecimalDigits {
		return Decimal{}
	}
	p := int64(1)
	for range drop {
		p *= 10
	}
	u := d.units
	neg := u < 0
	if neg {
		u = -u
	}
	q, r := u/p, u%p
	if r*2 >= p {
		q++
	}
	if neg {
		q = -q
	}
	return Decimal{units: q, scale: int32(places)}.normalize()
}

// FixedString formats d with exactly places digits after the point.
func (d Decimal) FixedString(places int) string {
	s := d.Round(places).String()
	if places <= 0 {
		return s
	}
	dot := strings.IndexByte(s, '.')
	if dot < 0 {
		return s + "." + strings.Repeat("0", places)
	}
	return s + strings.Repeat("0", places-(len(s)-dot-1))
}

// MarshalText encodes d as its exact decimal string.
func (d Decimal) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses an exact decimal string.
func (d *Decimal) UnmarshalText(b []byte) error {
	v, err := ParseDecimal(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
