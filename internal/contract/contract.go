// Package contract is the one place that spells the product's contract (SPEC §2 and
// §5): the seven tables of an extract set with their columns, keys and accepted kinds,
// the ids of the KPIs of SPEC §4, the industries, and the default targets, bands and
// industry benchmarks of SPEC §5. config, readers, pipeline and writers import it;
// none of them spells a table, column or KPI id of its own, so a new column or KPI is
// one edit here and the compiler finds the rest.
//
// The package is a leaf: it imports only the standard library and holds no mutable
// state. Every function returns fresh values that the caller may modify.
package contract

// Table names (SPEC §2).
const (
	Customers  = "customers"
	Purchases  = "purchases"
	Complaints = "complaints"
	Departures = "departures"
	Outreach   = "outreach"
	Offers     = "offers"
	Surveys    = "surveys"
)

// Column names (SPEC §2): the defaults, which the config may map to other names.
const (
	CustomerID      = "customer_id"
	Segment         = "segment"
	Name            = "name"
	PurchasedAt     = "purchased_at"
	Amount          = "amount"
	OrderID         = "order_id"
	ReportedAt      = "reported_at"
	Reason          = "reason"
	ComplaintID     = "complaint_id"
	DepartedAt      = "departed_at"
	ContactedAt     = "contacted_at"
	Channel         = "channel"
	IssuedAt        = "issued_at"
	OfferType       = "offer_type"
	FaceValue       = "face_value"
	RedeemedAt      = "redeemed_at"
	ExpiresAt       = "expires_at"
	OfferID         = "offer_id"
	RespondedAt     = "responded_at"
	Score           = "score"
	RecoveryRelated = "recovery_related"
	ResponseID      = "response_id"
)

// Kind is the normalised kind of a contract column (SPEC §2, "types accepted").
type Kind int

// The kinds of contract columns.
const (
	KindID     Kind = iota // string or any integer; integers compare as their decimal text
	KindTime               // TIMESTAMP (ms, µs, ns; instant or wall clock), DATE, INT96
	KindNumber             // DOUBLE, FLOAT, any integer, DECIMAL
	KindText               // string, dictionary-encoded or not
	KindBool               // BOOLEAN
)

// String returns the kind as error messages name it ("an id", "a timestamp", ...).
func (k Kind) String() string {
	switch k {
	case KindID:
		return "an id"
	case KindTime:
		return "a timestamp"
	case KindNumber:
		return "a number"
	case KindText:
		return "text"
	case KindBool:
		return "a boolean"
	}
	return "an unknown kind"
}

// Column is one column of the contract.
type Column struct {
	Name     string
	Kind     Kind
	Required bool
}

// Table is one table of the contract.
type Table struct {
	Name    string
	Columns []Column // in SPEC §2 order
	// Key is the duplicate-key column (SPEC §2 rule 6); "" for departures and outreach.
	Key string
	// Required is true only for purchases: without it the extract set is unusable.
	Required bool
}

// Column returns the contract column called name and whether it exists.
func (t Table) Column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// ColumnNames returns the names of the table's columns in SPEC §2 order.
func (t Table) ColumnNames() []string {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	return names
}

// Tables returns the seven tables of SPEC §2 in this order: customers, purchases,
// complaints, departures, outreach, offers, surveys. Each call returns fresh slices.
func Tables() []Table {
	id := func(n string, req bool) Column { return Column{Name: n, Kind: KindID, Required: req} }
	ts := func(n string, req bool) Column { return Column{Name: n, Kind: KindTime, Required: req} }
	num := func(n string, req bool) Column { return Column{Name: n, Kind: KindNumber, Required: req} }
	text := func(n string) Column { return Column{Name: n, Kind: KindText} }
	return []Table{
		{Name: Customers, Key: CustomerID, Columns: []Column{
			id(CustomerID, true), text(Segment), text(Name)}},
		{Name: Purchases, Key: OrderID, Required: true, Columns: []Column{
			id(CustomerID, true), ts(PurchasedAt, true), num(Amount, true), id(OrderID, false)}},
		{Name: Complaints, Key: ComplaintID, Columns: []Column{
			id(CustomerID, true), ts(ReportedAt, true), text(Reason), id(ComplaintID, false)}},
		{Name: Departures, Columns: []Column{
			id(CustomerID, true), ts(DepartedAt, true), text(Reason)}},
		{Name: Outreach, Columns: []Column{
			id(CustomerID, true), ts(ContactedAt, true), text(Channel)}},
		{Name: Offers, Key: OfferID, Columns: []Column{
			id(CustomerID, true), ts(IssuedAt, true), text(OfferType), num(FaceValue, false),
			ts(RedeemedAt, false), ts(ExpiresAt, false), id(OfferID, false)}},
		{Name: Surveys, Key: ResponseID, Columns: []Column{
			id(CustomerID, true), ts(RespondedAt, true), num(Score, true),
			{Name: RecoveryRelated, Kind: KindBool}, id(ResponseID, false)}},
	}
}

// TableNames returns the names of the tables in SPEC §2 order.
func TableNames() []string {
	ts := Tables()
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Name
	}
	return names
}

// LookupTable returns the contract table called name and whether it exists.
func LookupTable(name string) (Table, bool) {
	for _, t := range Tables() {
		if t.Name == name {
			return t, true
		}
	}
	return Table{}, false
}

// Default values of SPEC §2 for unknown text.
const (
	// Unassigned is the segment of a customer with a null or empty segment, or absent
	// from customers.
	Unassigned = "unassigned"
	// Unspecified is a null or empty reason, offer_type or channel.
	Unspecified = "unspecified"
	// Lapsed is the reason of a lapse (SPEC §4).
	Lapsed = "lapsed"
)
