namespace Serval.Symbolic;

/// <summary>A machine state on one path of a symbolic run: a guard and a concrete pc (split-pc), copied at a branch.</summary>
/// <typeparam name="TSelf">The implementing type.</typeparam>
/// <typeparam name="TPc">The pc's type (an address, an instruction index).</typeparam>
public interface IPathState<TSelf, TPc>
{
    /// <summary>The condition under which this path runs.</summary>
    Bool Guard { get; set; }

    /// <summary>Where this path runs next.</summary>
    TPc Pc { get; set; }

    /// <summary>An independent copy.</summary>
    TSelf Clone();
}

/// <summary>Conditional branches of interpreters run on symbolic state (split-pc, as Serval does).</summary>
public static class PathSplit
{
    /// <summary>
    /// A branch to <paramref name="target"/> when <paramref name="taken"/>: a concrete condition picks the pc to return
    /// (<paramref name="target"/> or <paramref name="fallThrough"/>); a symbolic one sends a copy of
    /// <paramref name="state"/> to <paramref name="target"/> under the condition (added to <paramref name="forks"/>
    /// unless that path is infeasible), and <paramref name="state"/> falls through under its negation.
    /// </summary>
    /// <returns>The pc <paramref name="state"/> goes to.</returns>
    public static TPc Branch<TState, TPc>(TState state, Bool taken, TPc target, TPc fallThrough, List<TState> forks)
        where TState : IPathState<TState, TPc>
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(forks);
        if (taken.TryGetValue(out var isTaken))
        {
            return isTaken ? target : fallThrough;
        }
        var fork = state.Clone();
        fork.Guard = state.Guard & taken;
        fork.Pc = target;
        state.Guard &= !taken;
        if (!fork.Guard.IsFalse)
        {
            forks.Add(fork);
        }
        return fallThrough;
    }
}
