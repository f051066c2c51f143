package sqlstore

import (
	"powercheck/internal/compliance"
	"powercheck/internal/notify"
	"powercheck/internal/session"
	"powercheck/internal/webhook"
)

// Each part keeps the storage interfaces of its capability: a piece it
// lacks is a compile error here, not a failure at run time. The services'
// storage, made of several parts, is checked where it is put together
// (internal/checker).
var (
	_ compliance.AccountsStorage  = (*Accounts)(nil)
	_ compliance.DepartmentLister = (*Accounts)(nil)
	_ compliance.AccountCounter   = (*Accounts)(nil)
	_ session.Store               = (*Sessions)(nil)
	_ compliance.CatalogStorage   = (*Catalog)(nil)

	_ compliance.CaseReader    = (*Cases)(nil)
	_ compliance.StepStore     = (*Cases)(nil)
	_ compliance.RecheckStore  = (*Cases)(nil)
	_ compliance.CaseListStore = (*Cases)(nil)
	_ compliance.SweepStore    = (*Cases)(nil)
	_ compliance.ImpactStore   = (*Cases)(nil)

	_ compliance.WarningReader   = (*Warnings)(nil)
	_ compliance.WarningExporter = (*Warnings)(nil)
	_ compliance.LifecycleStore  = (*Warnings)(nil)
	_ compliance.ApprovalStore   = (*Approvals)(nil)
	_ compliance.SpotCheckStore  = (*SpotChecks)(nil)
	_ compliance.DocumentStore   = (*Documents)(nil)

	_ compliance.PatrolStore      = (*Patrols)(nil)
	_ compliance.ReportStore      = (*Reports)(nil)
	_ compliance.ScanStore        = (*Reports)(nil)
	_ compliance.StatsStore       = (*Dashboard)(nil)
	_ compliance.DashboardStorage = (*Dashboard)(nil)

	_ compliance.AuditStore        = (*Audit)(nil)
	_ compliance.AuditLease        = (*Audit)(nil)
	_ compliance.AuditObjectStore  = (*Audit)(nil)
	_ compliance.AuditEffectsProbe = (*Audit)(nil)
	_ compliance.WriteTracker      = (*Audit)(nil)
	_ compliance.DraftStore        = (*Revisions)(nil)

	_ notify.Store         = (*Notifications)(nil)
	_ notify.EventAppender = (*Notifications)(nil)
	_ webhook.Queue        = (*Webhooks)(nil)
	_ webhook.DeliveryLog  = (*Webhooks)(nil)
	_ webhook.MailStore    = (*Webhooks)(nil)
)
