package generate

// Row types of the seven tables. Column names are the defaults of SPEC §2.
//
// Optional string columns use the "optional" tag on a plain string: the empty
// string is written as a null. Nullable timestamps use the same convention with
// 0 (1970-01-01, never produced otherwise) meaning null. recovery_related is a
// *bool because false and null are different answers.

type customerRow struct {
	CustomerID string `parquet:"customer_id,optional"`
	Segment    string `parquet:"segment,optional,dict"`
	Name       string `parquet:"name,optional"`
}

type purchaseRow struct {
	CustomerID  string  `parquet:"customer_id,optional,dict"`
	PurchasedAt int64   `parquet:"purchased_at,timestamp(microsecond:utc)"`
	Amount      float64 `parquet:"amount"`
	OrderID     int64   `parquet:"order_id"`
}

type complaintRow struct {
	CustomerID  string `parquet:"customer_id,optional"`
	ReportedAt  int64  `parquet:"reported_at,timestamp(millisecond:utc)"`
	Reason      string `parquet:"reason,optional,dict"`
	ComplaintID string `parquet:"complaint_id,optional"`
}

type departureRow struct {
	CustomerID string `parquet:"customer_id,optional"`
	DepartedAt int64  `parquet:"departed_at,optional,timestamp(microsecond:utc)"`
	Reason     string `parquet:"reason,optional,dict"`
}

type outreachRow struct {
	CustomerID  string `parquet:"customer_id,optional"`
	ContactedAt int64  `parquet:"contacted_at,timestamp(microsecond:utc)"`
	Channel     string `parquet:"channel,optional,dict"`
}

type offerRow struct {
	CustomerID string `parquet:"customer_id,optional"`
	IssuedAt   int64  `parquet:"issued_at,timestamp(microsecond:utc)"`
	OfferType  string `parquet:"offer_type,optional,dict"`
	FaceValue  int64  `parquet:"face_value,decimal(2:10)"` // cents
	RedeemedAt int64  `parquet:"redeemed_at,optional,timestamp(microsecond:utc)"`
	ExpiresAt  int64  `parquet:"expires_at,timestamp(microsecond:utc)"`
	OfferID    string `parquet:"offer_id,optional"`
}

type surveyRow struct {
	CustomerID      string `parquet:"customer_id,optional"`
	RespondedAt     int64  `parquet:"responded_at,timestamp(microsecond:utc)"`
	Score           int32  `parquet:"score"`
	RecoveryRelated *bool  `parquet:"recovery_related,optional"`
	ResponseID      string `parquet:"response_id,optional"`
}

var (
	boolTrue  = true
	boolFalse = false
)
