package market

// Mix64 is the splitmix64 finalizer: a well-mixed hash of x.
func Mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func hash3(a, b, c uint64) uint64 { return Mix64(Mix64(Mix64(a)^b) ^ c) }

// mixAt is the hash of a per-second draw: one mix of a per-day key.
func mixAt(key uint64, i int) uint64 { return Mix64(key ^ uint64(i)*0xd1b54a32d192ed03) }

// u01 maps a hash to [0, 1).
func u01(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// gauss maps a hash to an approximately standard normal number (the sum of
// four uniforms, rescaled; tails end at +-3.46, which is fine for
// microstructure and cheap).
func gauss(h uint64) float64 {
	s := float64(h&0xffff) + float64((h>>16)&0xffff) + float64((h>>32)&0xffff) + float64(h>>48)
	return (s/65536 - 2) * 1.7320508075688772
}

// Tags of the per-day random draws.
const (
	tagOpen uint64 = iota + 1
	tagAfter
	tagDayVol
	tagIV
	tagOI
	tagOptVol
	tagSecond
	tagSize
	tagBridge
	tagOption
)
