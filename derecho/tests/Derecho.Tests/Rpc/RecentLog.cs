using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Derecho.Tests.Rpc;

/// <summary>
/// The latest log lines of a cluster's members (debug and up), kept in memory so that a test that times out
/// can say what the members did.
/// </summary>
internal sealed class RecentLog
{
    private const int Capacity = 200;
    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>A logger factory for one member, its lines marked with <paramref name="nodeId"/>.</summary>
    public ILoggerFactory For(uint nodeId) => new Factory(this, $"n{nodeId}");

    public override string ToString() => string.Join(Environment.NewLine, _lines);

    private void Add(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > Capacity && _lines.TryDequeue(out _))
        {
        }
    }

    private sealed class Factory(RecentLog log, string member) : ILoggerFactory
    {
        public void AddProvider(ILoggerProvider provider)
        {
        }

        public ILogger CreateLogger(string categoryName) => new Logger(log, member);

        public void Dispose()
        {
        }
    }

    private sealed class Logger(RecentLog log, string member) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {member} {logLevel}: {formatter(state, exception)}");
            }
        }
    }
}
