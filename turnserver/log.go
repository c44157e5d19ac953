package turnserver

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// pionLogs routes pion/turn's logging into slog. pion logs every relayed packet at debug level
// and every refused permission at info level, both of which a stranger can trigger at will, so
// its levels are shifted down: its debug and trace land below slog's debug (invisible unless a
// handler asks for them) and its info lands at debug. Warnings and errors stay as they are.
type pionLogs struct{ log *slog.Logger }

func (f pionLogs) NewLogger(scope string) logging.LeveledLogger {
	return pionLog{f.log.With("pion", scope)}
}

type pionLog struct{ l *slog.Logger }

const (
	levelPionTrace = slog.LevelDebug - 8
	levelPionDebug = slog.LevelDebug - 4
)

func (p pionLog) emit(level slog.Level, format string, args ...any) {
	ctx := context.Background()
	if !p.l.Enabled(ctx, level) {
		return
	}
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	p.l.Log(ctx, level, msg)
}

func (p pionLog) Trace(msg string)                  { p.emit(levelPionTrace, "%s", msg) }
func (p pionLog) Tracef(format string, args ...any) { p.emit(levelPionTrace, format, args...) }
func (p pionLog) Debug(msg string)                  { p.emit(levelPionDebug, "%s", msg) }
func (p pionLog) Debugf(format string, args ...any) { p.emit(levelPionDebug, format, args...) }
func (p pionLog) Info(msg string)                   { p.emit(slog.LevelDebug, "%s", msg) }
func (p pionLog) Infof(format string, args ...any)  { p.emit(slog.LevelDebug, format, args...) }
func (p pionLog) Warn(msg string)                   { p.emit(slog.LevelWarn, "%s", msg) }
func (p pionLog) Warnf(format string, args ...any)  { p.emit(slog.LevelWarn, format, args...) }
func (p pionLog) Error(msg string)                  { p.emit(slog.LevelError, "%s", msg) }
func (p pionLog) Errorf(format string, args ...any) { p.emit(slog.LevelError, format, args...) }
