using System.Diagnostics;
using Serval.Symbolic;

namespace Serval.Smt;

/// <summary>
/// Races several solvers on each query and takes the first definite answer (sat or unsat), cancelling the rest.
/// A member that cannot take the query (quantifiers for boolector) answers unknown at once and drops out. When
/// every member answers unknown, the reasons are joined. The answer returns as soon as it is known: cancelled
/// members wind down (and restart their processes) in the background, and a member takes its next query only when
/// it is done with the last.
/// </summary>
public sealed class PortfolioSolver : ISolver
{
    private readonly IReadOnlyList<ISolver> _members;
    private readonly Lock[] _busy;

    /// <summary>A portfolio of <paramref name="members"/>, which it owns and disposes.</summary>
    public PortfolioSolver(IReadOnlyList<ISolver> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count == 0)
        {
            throw new ArgumentException("A portfolio needs at least one solver.", nameof(members));
        }
        _members = members;
        _busy = [.. members.Select(_ => new Lock())];
    }

    /// <inheritdoc />
    public string Name => "portfolio";

    /// <inheritdoc />
    public SolverResult Check(IReadOnlyList<Term> assertions, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        var race = new Race(_members.Count, cancellationToken);
        for (var i = 0; i < _members.Count; i++)
        {
            var index = i;
            var thread = new Thread(() => race.Run(index, _members[index], _busy[index], assertions, timeout))
            {
                IsBackground = true,
                Name = $"portfolio {_members[index].Name}",
            };
            thread.Start();
        }
        var winner = race.WaitForWinner();
        if (winner is { } result)
        {
            return result with { Solver = $"portfolio/{result.Solver}", Elapsed = stopwatch.Elapsed };
        }
        var reasons = string.Join("; ", race.Results.Select((r, i) => $"{_members[i].Name}: {r?.Reason ?? "no answer"}"));
        return SolverResult.Unknown(reasons, Name, stopwatch.Elapsed);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        for (var i = 0; i < _members.Count; i++)
        {
            lock (_busy[i])
            {
                _members[i].Dispose();
            }
        }
    }

    /// <summary>One query's race; it outlives the call while cancelled members wind down, so it is never disposed.</summary>
    private sealed class Race(int members, CancellationToken cancellationToken)
    {
        private readonly CancellationTokenSource _cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        private readonly object _gate = new();
        private int _remaining = members;
        private SolverResult? _winner;

        public SolverResult?[] Results { get; } = new SolverResult?[members];

        public void Run(int index, ISolver solver, Lock busy, IReadOnlyList<Term> assertions, TimeSpan? timeout)
        {
            SolverResult result;
            lock (busy)
            {
                result = _cancel.IsCancellationRequested
                    ? SolverResult.Unknown("cancelled", solver.Name, TimeSpan.Zero)
                    : solver.Check(assertions, timeout, _cancel.Token);
            }
            lock (_gate)
            {
                Results[index] = result;
                _remaining--;
                if (result.Status != SolverStatus.Unknown && _winner is null)
                {
                    _winner = result;
                    _cancel.Cancel();
                }
                Monitor.PulseAll(_gate);
            }
        }

        public SolverResult? WaitForWinner()
        {
            lock (_gate)
            {
                while (_winner is null && _remaining > 0)
                {
                    Monitor.Wait(_gate);
                }
                return _winner;
            }
        }
    }
}
