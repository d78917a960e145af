package domain

import (
	"errors"
	"math/big"
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

// Neg returns -d.
func (d Decimal) Neg() Decimal { return Decimal{units: -d.units, scale: d.scale} }

// Add returns d + o, exact while the sum has at most 18 significant
// digits (any amount of money or price this project meets); beyond that
// it is rounded half away from zero to 18.
func (d Decimal) Add(o Decimal) Decimal {
	switch {
	case d.units == 0:
		return o
	case o.units == 0:
		return d
	}
	scale := max(d.scale, o.scale)
	x := new(big.Int).Mul(big.NewInt(d.units), pow10(scale-d.scale))
	y := new(big.Int).Mul(big.NewInt(o.units), pow10(scale-o.scale))
	return fromBig(x.Add(x, y), scale)
}

// Sub returns d − o (see Add).
func (d Decimal) Sub(o Decimal) Decimal { return d.Add(o.Neg()) }

// Cmp returns -1, 0 or +1 as d is less than, equal to or greater than o.
func (d Decimal) Cmp(o Decimal) int { return d.Sub(o).Sign() }

func pow10(n int32) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }

// fromBig returns x × 10^-scale, rounded to maxDecimalDigits significant digits.
func fromBig(x *big.Int, scale int32) Decimal {
	limit := pow10(maxDecimalDigits)
	ten := big.NewInt(10)
	for new(big.Int).Abs(x).Cmp(limit) >= 0 {
		q, r := new(big.Int).QuoRem(x, ten, new(big.Int))
		if r.CmpAbs(big.NewInt(5)) >= 0 {
			q.Add(q, big.NewInt(int64(x.Sign())))
		}
		x, scale = q, scale-1
	}
	return Decimal{units: x.Int64(), scale: scale}.normalize()
}
