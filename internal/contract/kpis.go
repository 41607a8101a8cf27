package contract

// KPI is the id of a KPI of SPEC §4, as the JSON keys it.
type KPI string

// The KPIs of SPEC §4.
const (
	AtRiskCustomers       KPI = "at_risk_customers"
	RecoveredCustomers    KPI = "recovered_customers"
	LostCustomers         KPI = "lost_customers"
	PendingCustomers      KPI = "pending_customers"
	RecoveryRate          KPI = "recovery_rate"
	MaturedRecoveryRate   KPI = "matured_recovery_rate"
	RevenueAtRisk         KPI = "revenue_at_risk"
	RecoveredRevenue      KPI = "recovered_revenue"
	LostRevenue           KPI = "lost_revenue"
	DepartedCustomers     KPI = "departed_customers"
	DepartedRevenue       KPI = "departed_revenue"
	RecoverySatisfaction  KPI = "recovery_satisfaction"
	OffersIssued          KPI = "offers_issued"
	OfferConsumptionRate  KPI = "offer_consumption_rate"
	OfferBreakageRate     KPI = "offer_breakage_rate"
	TreatedRecoveryRate   KPI = "treated_recovery_rate"
	UntreatedRecoveryRate KPI = "untreated_recovery_rate"
	MitigationUplift      KPI = "mitigation_uplift"
	RecoveredRechurnRate  KPI = "recovered_rechurn_rate"
	RetainedRevenue       KPI = "retained_revenue"        // (v2)
	PendingRevenue        KPI = "pending_revenue"         // (v2)
	MedianDaysToRecovery  KPI = "median_days_to_recovery" // (v2)
)

// KPIs returns every KPI id in the order the scorecard shows them.
func KPIs() []KPI {
	return []KPI{
		RecoveryRate, MaturedRecoveryRate, MedianDaysToRecovery, AtRiskCustomers, RecoveredCustomers,
		LostCustomers, PendingCustomers, RevenueAtRisk, RetainedRevenue, PendingRevenue, LostRevenue,
		RecoveredRevenue, DepartedCustomers,
		DepartedRevenue, RecoverySatisfaction, OffersIssued, OfferConsumptionRate,
		OfferBreakageRate, TreatedRecoveryRate, UntreatedRecoveryRate, MitigationUplift,
		RecoveredRechurnRate,
	}
}

// Episode kinds (SPEC §4), in their tie-break order.
const (
	KindComplaint = "complaint"
	KindDeparture = "departure"
	KindLapse     = "lapse"
)
