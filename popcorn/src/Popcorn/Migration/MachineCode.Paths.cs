using Popcorn.Emulation;

namespace Popcorn.Migration;

internal static partial class MachineCode
{
    /// <summary>What a conditional branch tests: a property of one register (a bit, or whether it is non-zero) and
    /// whether the branch is taken when the property holds (tbnz, cbnz, bnez) or when it does not (tbz, cbz, beqz).</summary>
    /// <param name="Register">The register (DWARF number).</param>
    /// <param name="Property">A bit number (0-63), <see cref="NonZero"/> or <see cref="NonZeroLow32"/>.</param>
    /// <param name="TakenWhenHolds">Whether the branch is taken when the property holds.</param>
    private readonly record struct BranchTest(int Register, int Property, bool TakenWhenHolds)
    {
        /// <summary>The whole register is non-zero (cbnz x; bnez).</summary>
        public const int NonZero = 64;

        /// <summary>The low 32 bits are non-zero (cbnz w).</summary>
        public const int NonZeroLow32 = 65;
    }

    /// <summary>
    /// Liveness that follows only the paths the function's branches allow, for one register and one call site at a
    /// time. The plain data flow lets any path through the code count, including one that takes a branch on a
    /// condition and later the other way on the same condition with nothing in between changing it: threads'
    /// <c>consumer</c> tests "queue was empty" into a callee-saved register (<c>cset w19, eq</c>), branches on it
    /// before and after unlocking (<c>tbnz w19, #0</c> twice), and reads the dequeued value (x20) only when it was not
    /// empty, where it was just loaded; the merged paths make x20 look live at every call of the loop. Here a path
    /// remembers what it learnt of one tested property of a callee-saved register (unknown, holds, does not hold),
    /// forgets it when an instruction writes that register, and never takes a branch the knowledge rules out. Each
    /// tested property is tried alone; the register is dead if one of them shows that no allowed path reads it
    /// before writing it. Sound because a callee keeps callee-saved registers and only instructions of the function
    /// (whose writes the effects list) change them.
    /// </summary>
    private sealed class FeasiblePaths
    {
        private readonly Isa _isa;
        private readonly List<Effects> _steps;
        private readonly Dictionary<ulong, int> _index;
        private readonly List<(int Register, int Property)> _tested;

        public FeasiblePaths(Isa isa, List<Effects> steps, Dictionary<ulong, int> index)
        {
            _isa = isa;
            _steps = steps;
            _index = index;
            _tested = [.. steps.Where(s => s.Flow == ControlFlow.Branch && s.Test is { } t && IsCalleeSavedInteger(isa, t.Register))
                .Select(s => (s.Test!.Value.Register, s.Test.Value.Property)).Distinct()];
        }

        /// <summary>Whether some path from <paramref name="returnAddress"/> that the branches allow reads
        /// <paramref name="register"/> before writing it (true when the address is not in the function).</summary>
        public bool MayRead(ulong returnAddress, int register) =>
            !_index.TryGetValue(returnAddress, out var start) || _tested.TrueForAll(predicate => Reads(start, register, predicate));

        private const byte Unknown = 0, DoesNotHold = 1, Holds = 2;

        private bool Reads(int start, int register, (int Register, int Property) predicate)
        {
            var bit = Bit(register);
            var predicateBit = Bit(predicate.Register);
            var seen = new bool[_steps.Count * 3];
            var work = new Stack<(int Step, byte State)>();
            void Visit(int step, byte state)
            {
                if (step < _steps.Count && !seen[(step * 3) + state])
                {
                    seen[(step * 3) + state] = true;
                    work.Push((step, state));
                }
            }
            Visit(start, Unknown);
            while (work.Count > 0)
            {
                var (i, state) = work.Pop();
                var step = _steps[i];
                if ((step.Reads & bit) != 0)
                {
                    return true;
                }
                var callClobbers = step.Flow == ControlFlow.Call && !IsCalleeSaved(_isa, register);
                if ((step.Writes & bit) != 0 || callClobbers)
                {
                    continue;
                }
                if ((step.Writes & predicateBit) != 0)
                {
                    state = Unknown;
                }
                var hasTarget = step.Flow is ControlFlow.Branch or ControlFlow.Jump && _index.ContainsKey(step.Target);
                var target = hasTarget ? _index[step.Target] : -1;
                switch (step.Flow)
                {
                    case ControlFlow.Next or ControlFlow.Call:
                        Visit(i + 1, state);
                        break;
                    case ControlFlow.Jump when hasTarget:
                        Visit(target, state);
                        break;
                    case ControlFlow.Branch when step.Test is { } test && (test.Register, test.Property) == predicate:
                        var taken = test.TakenWhenHolds ? Holds : DoesNotHold;
                        var notTaken = test.TakenWhenHolds ? DoesNotHold : Holds;
                        if (hasTarget && state != notTaken)
                        {
                            Visit(target, taken);
                        }
                        if (state != taken)
                        {
                            Visit(i + 1, notTaken);
                        }
                        break;
                    case ControlFlow.Branch:
                        if (hasTarget)
                        {
                            Visit(target, state);
                        }
                        Visit(i + 1, state);
                        break;
                }
            }
            return false;
        }
    }
}
