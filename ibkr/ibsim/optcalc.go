package ibsim

import (
	"fmt"

	"github.com/ibbot/ibbot/ibkr/ibsim/internal/wire"
)

// Option calculations (calculateImpliedVolatility, calculateOptionPrice)
// from the Black-Scholes model of the quotes, and requestFA, refused as
// for every account that is not a financial advisor's.

// tickCustOptionComputation is the tick type of a custom option
// computation (CUST_OPTION_COMPUTATION).
const tickCustOptionComputation = 53

// handleReqCalcImpliedVolat: calculateImpliedVolatility (54); answers one
// tickOptionComputation (tick 53) on the request id.
func handleReqCalcImpliedVolat(c *client, f *wire.Fields) error {
	r, err := c.codec.ReqCalcImpliedVolat(f)
	if err != nil {
		return err
	}
	c.optCalc(r, true)
	return nil
}

// handleReqCalcOptionPrice: calculateOptionPrice (55); answers one
// tickOptionComputation (tick 53) on the request id.
func handleReqCalcOptionPrice(c *client, f *wire.Fields) error {
	r, err := c.codec.ReqCalcOptionPrice(f)
	if err != nil {
		return err
	}
	c.optCalc(r, false)
	return nil
}

// optCalc answers one option calculation: the contract must be an option
// the simulator lists; the underlying price and the volatility or option
// price must be positive.
func (c *client) optCalc(r wire.OptCalcReq, implied bool) {
	now := c.srv.now()
	in, msg := c.srv.ref.ResolveOne(r.Contract, now)
	if in == nil {
		c.sendError(r.ReqID, 200, msg)
		return
	}
	if !in.IsOption() {
		c.sendError(r.ReqID, 321, fmt.Sprintf(validateTxt, "bN", "Option calculations are only available for options."))
		return
	}
	var attrib int64
	var err error
	if implied {
		attrib = 1
		gr, e := c.srv.prices.CustomImpliedVol(in, now, r.Value, r.UnderPrice)
		if e == nil {
			c.send(c.codec.TickOptionComputation(r.ReqID, tickCustOptionComputation, attrib, gr))
			return
		}
		err = e
	} else {
		gr, e := c.srv.prices.CustomOptionPrice(in, now, r.Value, r.UnderPrice)
		if e == nil {
			c.send(c.codec.TickOptionComputation(r.ReqID, tickCustOptionComputation, attrib, gr))
			return
		}
		err = e
	}
	c.sendError(r.ReqID, 321, fmt.Sprintf(validateTxt, "bN", capitalize(err.Error())+"."))
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// handleCancelCalcImpliedVolat: cancelCalculateImpliedVolatility (56);
// nothing is sent (the answer was immediate).
func handleCancelCalcImpliedVolat(c *client, f *wire.Fields) error {
	_, err := c.codec.CancelCalcImpliedVolat(f)
	return err
}

// handleCancelCalcOptionPrice: cancelCalculateOptionPrice (57); nothing is
// sent.
func handleCancelCalcOptionPrice(c *client, f *wire.Fields) error {
	_, err := c.codec.CancelCalcOptionPrice(f)
	return err
}

// handleReqFA: requestFA (18); the Gateway of an account that is not a
// financial advisor's refuses it on id -1.
func handleReqFA(c *client, f *wire.Fields) error {
	if _, err := c.codec.ReqFA(f); err != nil {
		return err
	}
	c.sendError(-1, 321, fmt.Sprintf(validateTxt, "bN", "FA data operations ignored for non FA customers."))
	return nil
}
