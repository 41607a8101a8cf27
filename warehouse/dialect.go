package warehouse

import (
	"fmt"
	"slices"
	"strings"
)

// Type is the class of a warehouse column's type, as far as the contract cares
// (SPEC §2, "types accepted").
type Type int

const (
	TypeUnknown   Type = iota
	TypeText           // VARCHAR, TEXT, STRING, CHAR
	TypeInteger        // any integer
	TypeFloat          // REAL, DOUBLE, FLOAT
	TypeDecimal        // NUMERIC, DECIMAL
	TypeInstant        // TIMESTAMP WITH TIME ZONE (an instant)
	TypeWallClock      // TIMESTAMP WITHOUT TIME ZONE (a wall-clock time in the configured time zone)
	TypeDate           // DATE (midnight in the configured time zone)
	TypeBool           // BOOLEAN
	TypeUUID           // UUID: an id, as its canonical text (SPEC §2 v2)
)

var typeNames = [...]string{"unknown", "text", "integer", "float", "decimal", "timestamp (instant)", "timestamp (wall clock)", "date", "boolean", "uuid"}

func (t Type) String() string { return typeNames[t] }

// Dialect is what differs between warehouses in the SQL the generator writes: the
// spelling of types, identifiers, timestamps as µs, time zones and tests of values.
// Everything else is one portable query shape: CTEs, inner and left joins on
// customer_id with range conditions, GROUP BY, ROW_NUMBER() and LEAD() windows,
// UNION ALL, CASE and LEAST; no correlated subquery.
type Dialect struct {
	Name string
	// Bigint, Double, Text and Boolean name the SQL types.
	Bigint, Double, Text, Boolean string
	// quote quotes an identifier.
	quote func(string) string
	// micros is the µs since the Unix epoch of a column x of type t, a wall-clock
	// time or date being in time zone tz (a literal already quoted).
	micros func(x string, t Type, tz string) string
	// nonFinite is a condition true when the double x is NaN or infinite.
	nonFinite func(x string) string
	// invalidUTF8 is a condition true when text x is not valid UTF-8, "" when the
	// warehouse's strings are valid UTF-8 by construction (see Definitions).
	invalidUTF8 func(x string) string
	// bytewise is x as an expression that orders by the bytes of its UTF-8 form.
	bytewise func(x string) string
	// orderedSum sums x in the order of the expressions order, where the warehouse
	// can (PostgreSQL, DuckDB: an ordered aggregate): then a sum of doubles does not
	// depend on the plan, and a rerun gives the same bits. Elsewhere a plain SUM.
	orderedSum func(x, order string) string
	// timestampIsInstant: the type TIMESTAMP is an instant (Spark, BigQuery), not a
	// wall-clock time.
	timestampIsInstant bool
	// sessionSetup are statements run before the queries (may be empty).
	SessionSetup []string
}

// Dialects lists the dialects by name.
var dialectNames = []string{"postgres", "duckdb", "trino", "spark", "bigquery", "snowflake"}

// DialectNames returns the names of the dialects the generator writes.
func DialectNames() []string { return slices.Clone(dialectNames) }

// LookupDialect returns the dialect called name.
func LookupDialect(name string) (*Dialect, error) {
	d, err := lookupDialect(name)
	if err == nil && d.orderedSum == nil {
		d.orderedSum = func(x, _ string) string { return "SUM(" + x + ")" }
	}
	return d, err
}

func lookupDialect(name string) (*Dialect, error) {
	switch name {
	case "postgres":
		return postgres(), nil
	case "duckdb":
		return duckdb(), nil
	case "trino":
		return trino(), nil
	case "spark":
		return spark(), nil
	case "bigquery":
		return bigquery(), nil
	case "snowflake":
		return snowflake(), nil
	}
	return nil, fmt.Errorf("unknown warehouse dialect %q (dialects: %s)", name, strings.Join(dialectNames, ", "))
}

// Literal returns s as a SQL string literal.
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func doubleQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
func backQuote(s string) string   { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

func postgres() *Dialect {
	return &Dialect{
		Name: "postgres", Bigint: "BIGINT", Double: "DOUBLE PRECISION", Text: "TEXT", Boolean: "BOOLEAN",
		quote: doubleQuote,
		micros: func(x string, t Type, tz string) string {
			switch t {
			case TypeWallClock:
				x = "(" + x + " AT TIME ZONE " + tz + ")"
			case TypeDate:
				x = "(CAST(" + x + " AS TIMESTAMP) AT TIME ZONE " + tz + ")"
			}
			// EXTRACT(EPOCH ...) is an exact numeric since PostgreSQL 14.
			return "CAST(EXTRACT(EPOCH FROM " + x + ") * 1000000 AS BIGINT)"
		},
		nonFinite: func(x string) string {
			return "(" + x + " = CAST('NaN' AS DOUBLE PRECISION) OR " + x + " = CAST('Infinity' AS DOUBLE PRECISION) OR " + x + " = CAST('-Infinity' AS DOUBLE PRECISION))"
		},
		// A PostgreSQL database in UTF8 stores valid UTF-8 only.
		invalidUTF8: nil,
		bytewise:    func(x string) string { return x + ` COLLATE "C"` },
		orderedSum:  func(x, order string) string { return "SUM(" + x + " ORDER BY " + order + ")" },
		// The per-customer joins are equi-joins on customer_id with range conditions:
		// hash joins, never a nested loop over the purchases.
		SessionSetup: []string{"SET enable_nestloop = off", "SET jit = off"},
	}
}

func duckdb() *Dialect {
	return &Dialect{
		Name: "duckdb", Bigint: "BIGINT", Double: "DOUBLE", Text: "VARCHAR", Boolean: "BOOLEAN",
		quote: doubleQuote,
		micros: func(x string, t Type, tz string) string {
			switch t {
			case TypeWallClock:
				return "epoch_us(timezone(" + tz + ", " + x + "))"
			case TypeDate:
				return "epoch_us(timezone(" + tz + ", CAST(" + x + " AS TIMESTAMP)))"
			}
			return "epoch_us(" + x + ")"
		},
		nonFinite: func(x string) string { return "(isnan(" + x + ") OR isinf(" + x + "))" },
		// DuckDB's VARCHAR is valid UTF-8 by construction.
		bytewise:   func(x string) string { return x }, // VARCHAR compares bytewise
		orderedSum: func(x, order string) string { return "SUM(" + x + " ORDER BY " + order + ")" },
	}
}

func trino() *Dialect {
	return &Dialect{
		Name: "trino", Bigint: "BIGINT", Double: "DOUBLE", Text: "VARCHAR", Boolean: "BOOLEAN",
		quote: doubleQuote,
		micros: func(x string, t Type, tz string) string {
			switch t {
			case TypeWallClock:
				x = "with_timezone(" + x + ", " + tz + ")"
			case TypeDate:
				x = "with_timezone(CAST(" + x + " AS TIMESTAMP(6)), " + tz + ")"
			}
			// A double of seconds holds every µs from 1970 to 2200 to within half a
			// µs: rounding gives the µs exactly.
			return "CAST(round(to_unixtime(" + x + ") * 1000000) AS BIGINT)"
		},
		nonFinite: func(x string) string { return "(is_nan(" + x + ") OR is_infinite(" + x + "))" },
		// Trino's VARCHAR holds code points; its connectors replace invalid UTF-8.
		bytewise: func(x string) string { return x }, // VARCHAR compares by code point = UTF-8 byte order
	}
}

func spark() *Dialect {
	return &Dialect{
		Name: "spark", timestampIsInstant: true, Bigint: "BIGINT", Double: "DOUBLE", Text: "STRING", Boolean: "BOOLEAN",
		quote: backQuote,
		micros: func(x string, t Type, tz string) string {
			switch t {
			case TypeWallClock:
				// TIMESTAMP_NTZ: its wall clock read in tz.
				return "unix_micros(to_utc_timestamp(CAST(" + x + " AS TIMESTAMP), " + tz + "))"
			case TypeDate:
				return "unix_micros(to_utc_timestamp(CAST(" + x + " AS TIMESTAMP), " + tz + "))"
			}
			return "unix_micros(" + x + ")"
		},
		nonFinite: func(x string) string {
			return "(isnan(" + x + ") OR " + x + " = CAST('Infinity' AS DOUBLE) OR " + x + " = CAST('-Infinity' AS DOUBLE))"
		},
		// Spark strings are bytes: is_valid_utf8 (Spark 4.0) tells.
		invalidUTF8: func(x string) string { return "NOT is_valid_utf8(" + x + ")" },
		bytewise:    func(x string) string { return x }, // UTF8_BINARY, the default collation
	}
}

func bigquery() *Dialect {
	return &Dialect{
		Name: "bigquery", timestampIsInstant: true, Bigint: "INT64", Double: "FLOAT64", Text: "STRING", Boolean: "BOOL",
		quote: backQuote,
		micros: func(x string, t Type, tz string) string {
			switch t {
			case TypeWallClock:
				return "UNIX_MICROS(TIMESTAMP(" + x + ", " + tz + "))"
			case TypeDate:
				return "UNIX_MICROS(TIMESTAMP(DATETIME(" + x + "), " + tz + "))"
			}
			return "UNIX_MICROS(" + x + ")"
		},
		nonFinite: func(x string) string { return "(IS_NAN(" + x + ") OR IS_INF(" + x + "))" },
		// BigQuery's STRING is valid UTF-8 by construction.
		// STRING without a collation compares by code point, the order of UTF-8 bytes.
		bytewise: func(x string) string { return x },
	}
}

func snowflake() *Dialect {
	return &Dialect{
		Name: "snowflake", Bigint: "BIGINT", Double: "DOUBLE", Text: "VARCHAR", Boolean: "BOOLEAN",
		quote: doubleQuote,
		micros: func(x string, t Type, tz string) string {
			switch t {
			case TypeWallClock:
				x = "CONVERT_TIMEZONE(" + tz + ", 'UTC', " + x + ")"
			case TypeDate:
				x = "CONVERT_TIMEZONE(" + tz + ", 'UTC', CAST(" + x + " AS TIMESTAMP_NTZ))"
			}
			return "DATE_PART(EPOCH_MICROSECOND, " + x + ")"
		},
		nonFinite: func(x string) string {
			return "(" + x + " = CAST('NaN' AS DOUBLE) OR " + x + " = CAST('inf' AS DOUBLE) OR " + x + " = CAST('-inf' AS DOUBLE))"
		},
		// Snowflake's VARCHAR is valid UTF-8 by construction.
		// VARCHAR without a collation specification compares its UTF-8 bytes (a
		// column with another collation would not: see README, Definitions).
		bytewise: func(x string) string { return x },
	}
}
