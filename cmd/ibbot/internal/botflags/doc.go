// Package botflags holds the flags that override the bot's configuration,
// shared by "ibbot run" and "ibbot config show" so both read a setting the
// same way: the file, then IBBOT_* variables, then these flags.
package botflags
