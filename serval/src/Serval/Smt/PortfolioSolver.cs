using System.Diagnostics;
using Serval.Symbolic;

namespace Serval.Smt;

/// <summary>
/// Races several solvers on each query and takes the first definite answer (sat or unsat), cancelling the rest.
/// A member that cannot take the query (quantifiers for boolector) answers unknown at once and drops out. When
/// every member answers unknown, the reasons are joined.
/// </summary>
public sealed class PortfolioSolver : ISolver
{
    private readonly IReadOnlyList<ISolver> _members;

    /// <summary>A portfolio of <paramref name="members"/>, which it owns and disposes.</summary>
    public PortfolioSolver(IReadOnlyList<ISolver> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count == 0)
        {
            throw new ArgumentException("A portfolio needs at least one solver.", nameof(members));
        }
        _members = members;
    }

    /// <inheritdoc />
    public string Name => "portfolio";

    /// <inheritdoc />
    public SolverResult Check(IReadOnlyList<Term> assertions, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        using var race = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var results = new SolverResult?[_members.Count];
        var winner = -1;
        using var done = new CountdownEvent(_members.Count);
        using var decided = new ManualResetEventSlim();
        for (var i = 0; i < _members.Count; i++)
        {
            var index = i;
            var thread = new Thread(() =>
            {
                try
                {
                    var result = _members[index].Check(assertions, timeout, race.Token);
                    results[index] = result;
                    if (result.Status != SolverStatus.Unknown && Interlocked.CompareExchange(ref winner, index, -1) == -1)
                    {
                        decided.Set();
                    }
                }
                finally
                {
                    done.Signal();
                }
            })
            { IsBackground = true, Name = $"portfolio {_members[index].Name}" };
            thread.Start();
        }
        WaitHandle.WaitAny([decided.WaitHandle, done.WaitHandle]);
        race.Cancel();
        done.Wait(CancellationToken.None);
        if (winner >= 0)
        {
            return results[winner]! with { Solver = $"portfolio/{results[winner]!.Solver}", Elapsed = stopwatch.Elapsed };
        }
        var reasons = string.Join("; ", results.Select((r, i) => $"{_members[i].Name}: {r?.Reason ?? "no answer"}"));
        return SolverResult.Unknown(reasons, Name, stopwatch.Elapsed);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var member in _members)
        {
            member.Dispose();
        }
    }
}
