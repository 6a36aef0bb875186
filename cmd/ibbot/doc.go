// Command ibbot is the command line of the ibbot SDK: option chains (ibbot
// chain), the simulated IB Gateway (ibbot sim), the bot (ibbot run) and
// its status (ibbot status).
package main
