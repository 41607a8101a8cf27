package schedule

import (
	"context"
	"fmt"
	neturl "net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recoverykpi/recoverykpi/config"
	"github.com/recoverykpi/recoverykpi/internal/redact"
)

// pgClaimer claims ticks in PostgreSQL (schedule.lock.postgres), so that schedulers
// on several hosts run each tick of a job once.
//
// Exactly once per tick rests on the primary key of recoverykpi_runs: the first
// INSERT of (job, scheduled_at) wins and every later one conflicts. scheduled_at is
// the cron's nominal tick (whole minutes in UTC), which every host computes the same
// way from the same cron however far its clock is off within the tolerance of
// nominalTick, and the row is never deleted, so a host that fires late, after the
// winner has finished, still loses. No overlap across hosts: the claim also takes a
// session advisory lock on the job, held by a pooled connection for the whole run; a
// tick that arrives while it is held is skipped, as singleton mode does on one host.
// PostgreSQL releases the advisory lock itself if the host dies.
//
// The URL holds a credential: every error the claimer returns has it redacted
// (pgx's errors may quote the connection string or parts of it).
type pgClaimer struct {
	pool *pgxpool.Pool
	host string
	dsn  string // for redaction only
}

// pgSchema creates the claims table; it is run under a transaction-level advisory lock
// so that two schedulers starting together do not race on CREATE TABLE.
const pgSchema = `CREATE TABLE IF NOT EXISTS recoverykpi_runs (
	job          text        NOT NULL,
	scheduled_at timestamptz NOT NULL,
	host         text        NOT NULL,
	claimed_at   timestamptz NOT NULL DEFAULT now(),
	finished_at  timestamptz,
	outcome      text,
	PRIMARY KEY (job, scheduled_at)
)`

// pgSchemaLock is the advisory lock key that serialises schema creation.
const pgSchemaLock = 0x7265636b7069 // "reckpi"

// newPGClaimer connects to url, checks the connection and creates the claims table.
func newPGClaimer(ctx context.Context, url, host string) (*pgClaimer, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// A URL pgx cannot parse is bad config (exit 2), like one config rejects.
		return nil, redact.Error(fmt.Errorf("%w: schedule.lock.postgres %s: %w", config.ErrInvalid, redact.DSN(url), err), url, pgPassword(url))
	}
	cfg.MaxConns = 4
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, redact.Error(fmt.Errorf("schedule.lock.postgres %s: %w", redact.DSN(url), err), url, cfg.ConnConfig.Password)
	}
	c := &pgClaimer{pool: pool, host: host, dsn: url}
	if err := c.migrate(ctx); err != nil {
		pool.Close()
		return nil, c.redact(fmt.Errorf("schedule.lock.postgres %s@%s: %w", cfg.ConnConfig.User, cfg.ConnConfig.Host, err))
	}
	return c, nil
}

// redact removes the connection string and its password from an error's message.
func (c *pgClaimer) redact(err error) error {
	return redact.Error(err, c.dsn, pgPassword(c.dsn))
}

// pgPassword is the password of a postgres:// URL as it may appear alone in a message,
// "" when there is none.
func pgPassword(dsn string) string {
	u, err := neturl.Parse(dsn)
	if err != nil || u.User == nil {
		return ""
	}
	pw, _ := u.User.Password()
	return pw
}

func (c *pgClaimer) migrate(ctx context.Context) error {
	return pgx.BeginFunc(ctx, c.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(pgSchemaLock)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, pgSchema)
		return err
	})
}

func (c *pgClaimer) claim(ctx context.Context, job string, tick time.Time) (heldClaim, error) {
	h, err := c.claimTick(ctx, job, tick)
	return h, c.redact(err)
}

func (c *pgClaimer) claimTick(ctx context.Context, job string, tick time.Time) (heldClaim, error) {
	tick = tick.UTC().Truncate(time.Minute)
	conn, err := c.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("claim %s at %s: %w", job, tick.Format(time.RFC3339), err)
	}
	var locked bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtextextended('recoverykpi:' || $1, 0))`, job).Scan(&locked); err != nil {
		conn.Release()
		return nil, fmt.Errorf("claim %s at %s: %w", job, tick.Format(time.RFC3339), err)
	}
	if !locked {
		conn.Release()
		return nil, fmt.Errorf("%w: %s is running on another host", errRunInProgress, job)
	}
	h := &pgClaim{conn: conn, job: job, tick: tick, redact: c.redact}
	tag, err := conn.Exec(ctx, `INSERT INTO recoverykpi_runs (job, scheduled_at, host) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, job, tick, c.host)
	if err != nil {
		h.unlock()
		return nil, fmt.Errorf("claim %s at %s: %w", job, tick.Format(time.RFC3339), err)
	}
	if tag.RowsAffected() == 0 {
		var by string
		if err := conn.QueryRow(ctx, `SELECT host FROM recoverykpi_runs WHERE job = $1 AND scheduled_at = $2`, job, tick).Scan(&by); err != nil {
			by = "another host"
		}
		h.unlock()
		return nil, fmt.Errorf("%w: %s at %s by %s", errTickClaimed, job, tick.Format(time.RFC3339), by)
	}
	return h, nil
}

func (c *pgClaimer) close() error {
	c.pool.Close()
	return nil
}

type pgClaim struct {
	conn   *pgxpool.Conn
	job    string
	tick   time.Time
	redact func(error) error
}

// release records the outcome and ends the advisory lock. It runs even when the
// scheduler is stopping, so it does not use a cancelled context.
func (h *pgClaim) release(ctx context.Context, outcome string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_, err := h.conn.Exec(ctx, `UPDATE recoverykpi_runs SET finished_at = now(), outcome = $3 WHERE job = $1 AND scheduled_at = $2`, h.job, h.tick, outcome)
	if uerr := h.unlockCtx(ctx); err == nil {
		err = uerr
	}
	if err != nil {
		return h.redact(fmt.Errorf("release %s at %s: %w", h.job, h.tick.Format(time.RFC3339), err))
	}
	return nil
}

func (h *pgClaim) unlock() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = h.unlockCtx(ctx)
}

func (h *pgClaim) unlockCtx(ctx context.Context) error {
	_, err := h.conn.Exec(ctx, `SELECT pg_advisory_unlock(hashtextextended('recoverykpi:' || $1, 0))`, h.job)
	if err != nil {
		// The session may hold the lock still: drop the connection rather than
		// return it to the pool with the lock.
		h.conn.Conn().Close(context.Background())
	}
	h.conn.Release()
	return err
}
