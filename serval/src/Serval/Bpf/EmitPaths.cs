using Serval.Symbolic;

namespace Serval.Bpf;

/// <summary>One way code generation went on symbolic operands: the choices it made, when they hold, and the code.</summary>
/// <param name="Choices">The way taken at each symbolic <see cref="RiscVAssembler.Decide"/>, in order.</param>
/// <param name="Condition">The path condition: the conjunction of the conditions decided (or their negations).</param>
/// <param name="Code">The code emitted on this path.</param>
public sealed record EmitPath(IReadOnlyList<bool> Choices, Bool Condition, RiscVAssembler Code);

/// <summary>
/// Runs code generation written once over <see cref="BitVec"/> on symbolic operands: every time it decides on a
/// symbolic condition (<see cref="RiscVAssembler.Decide"/>) the run takes one way and a later run the other, so that
/// the runs together cover every value, each under its path condition (split-pc, applied to the emitter). A way
/// that the solver finds infeasible under the choices before it is not taken; an unknown answer counts as feasible.
/// </summary>
public static class EmitPaths
{
    /// <summary>The most paths one emission may take before it is refused.</summary>
    public const int MaxPaths = 512;

    /// <summary>Every path of <paramref name="emit"/>, depth first, the "true" way first.</summary>
    /// <param name="emit">The code generation, run once per path on a fresh assembler.</param>
    /// <param name="feasible">Whether a path condition may hold (asked only for symbolic ones).</param>
    /// <exception cref="InvalidOperationException">More than <see cref="MaxPaths"/> paths.</exception>
    public static IReadOnlyList<EmitPath> Explore(Action<RiscVAssembler> emit, Func<Bool, bool> feasible)
    {
        ArgumentNullException.ThrowIfNull(emit);
        ArgumentNullException.ThrowIfNull(feasible);
        var paths = new List<EmitPath>();
        var pending = new Stack<List<bool>>();
        pending.Push([]);
        while (pending.Count > 0)
        {
            if (paths.Count == MaxPaths)
            {
                throw new InvalidOperationException($"code generation takes more than {MaxPaths} paths");
            }
            var trail = new Trail(pending.Pop(), feasible);
            var code = new RiscVAssembler(trail);
            emit(code);
            paths.Add(new EmitPath(trail.Choices, trail.Condition, code));
            foreach (var alternative in trail.Alternatives)
            {
                pending.Push(alternative);
            }
        }
        return paths;
    }

    /// <summary>Runs <paramref name="emit"/> again along <paramref name="path"/>'s choices (e.g. with the final layout).</summary>
    public static EmitPath Replay(EmitPath path, Action<RiscVAssembler> emit)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(emit);
        var trail = new Trail([.. path.Choices], _ => throw new InvalidOperationException("a replayed emission took a different path"));
        var code = new RiscVAssembler(trail);
        emit(code);
        return new EmitPath(trail.Choices, trail.Condition, code);
    }

    /// <summary>The choices of one run: replayed from a prefix, then made fresh, each fresh two-way choice leaving its other way to explore.</summary>
    internal sealed class Trail(List<bool> prefix, Func<Bool, bool> feasible)
    {
        private readonly List<bool> _choices = [];

        public IReadOnlyList<bool> Choices => _choices;

        public Bool Condition { get; private set; } = Bool.True;

        public List<List<bool>> Alternatives { get; } = [];

        public bool Choose(Bool condition)
        {
            bool choice;
            if (_choices.Count < prefix.Count)
            {
                choice = prefix[_choices.Count];
            }
            else
            {
                var canTrue = feasible(Condition & condition);
                var canFalse = feasible(Condition & !condition);
                if (canTrue && canFalse)
                {
                    Alternatives.Add([.. _choices, false]);
                }
                choice = canTrue || !canFalse;
            }
            _choices.Add(choice);
            Condition &= choice ? condition : !condition;
            return choice;
        }
    }
}
