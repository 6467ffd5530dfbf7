// Package kwargs is the one reader of Python-style keyword arguments in dlopt: a map of
// decoded JSON (or Go) values, as torch and optax constructors take them by name. It is the
// shared core of optim.Kwargs and of the schedule package's reader, which differ only in how
// they word their errors (each supplies [Errors]) and in when they reject unknown keywords.
//
// A [Reader] keeps the first error met, so that a constructor reads all its keywords and checks
// once at the end. A nil value (JSON null, Python None) means "use the default". Numbers may be
// any Go integer or float kind or a json.Number; an integer keyword also accepts a float with an
// integral value (JSON numbers arrive as float64). Every read records its key, so that keys
// given but never read can be rejected afterwards ([Reader.Unknown]), listing the accepted names.
package kwargs
