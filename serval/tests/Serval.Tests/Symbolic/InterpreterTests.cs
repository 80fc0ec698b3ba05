using Serval.Symbolic;

namespace Serval.Tests.Symbolic;

/// <summary>Small interpreters written once in plain C#, run concretely and symbolically with merging.</summary>
[Integration]
public sealed class InterpreterTests
{
    private static VerifyOptions Options => new() { Timeout = TimeSpan.FromSeconds(20) };

    [Fact(Timeout = 30_000)]
    public void A_symbolic_loop_over_an_array_finds_the_maximum()
    {
        var items = Enumerable.Range(0, 5).Select(i => BitVec.Fresh($"item{i}", 16)).ToArray();
        var max = Maximum(items);
        Assert.Equal(7UL, Maximum([.. new ulong[] { 3, 7, 1, 7, 0 }.Select(v => BitVec.Of(v, 16))]).Value);
        var result = Sym.Verify(() =>
        {
            var ofSome = Bool.False;
            foreach (var item in items)
            {
                Sym.Assert(item.Ule(max), "max is an upper bound");
                ofSome |= item == max;
            }
            Sym.Assert(ofSome, "max is one of the items");
        }, Options, TestContext.Current.CancellationToken);
        Assert.Equal(VerifyOutcome.Proved, result.Outcome);

        var wrong = Sym.Verify(() => Sym.Assert(max.Ult(items[0] + BitVec.Of(100UL, 16)), "max is close to the first item"),
            Options, TestContext.Current.CancellationToken);
        Assert.Equal(VerifyOutcome.Counterexample, wrong.Outcome);
        var values = items.Select(i => wrong.Model!.Evaluate(i)).ToArray();
        Assert.False(Maximum(values).Ult(values[0] + BitVec.Of(100UL, 16)).Value);
    }

    [Fact(Timeout = 30_000)]
    public void A_stack_machine_runs_concretely_and_symbolically_with_split_program_counters()
    {
        // max(arg0, arg1): arg0, arg1, jump-if-less 5, arg0, jump 6, (5:) arg1, (6:) halt
        Instruction[] program =
        [
            new(Code.Arg, 0), new(Code.Arg, 1), new(Code.JumpIfLess, 5), new(Code.Arg, 0), new(Code.Jump, 6),
            new(Code.Arg, 1), new(Code.Halt, 0),
        ];
        Assert.Equal(9UL, StackMachine.Run(program, [BitVec.Of(9UL, 32), BitVec.Of(4UL, 32)]).Value);
        Assert.Equal(12UL, StackMachine.Run(program, [BitVec.Of(3UL, 32), BitVec.Of(12UL, 32)]).Value);

        var (a, b) = (BitVec.Fresh("a", 32), BitVec.Fresh("b", 32));
        var top = StackMachine.Run(program, [a, b]);
        var proof = Sym.Verify(() =>
        {
            Sym.Assert(a.Ule(top) & b.Ule(top), "an upper bound");
            Sym.Assert((top == a) | (top == b), "one of the arguments");
        }, Options, TestContext.Current.CancellationToken);
        Assert.Equal(VerifyOutcome.Proved, proof.Outcome);
        var refuted = Sym.Verify(top == a, Options, TestContext.Current.CancellationToken);
        Assert.Equal(VerifyOutcome.Counterexample, refuted.Outcome);
        Assert.True(refuted.Model!.Evaluate(a).Ult(refuted.Model.Evaluate(b)).Value);
    }

    [Fact(Timeout = 30_000)]
    public void A_bug_on_reports_its_location_and_a_model_that_reaches_it()
    {
        var index = BitVec.Fresh("index", 64);
        var table = SymbolicMemory.Filled(64, BitVec.Of(0UL, 64));
        var result = Sym.Verify(() =>
        {
            Sym.Assume(index.Ult(BitVec.Of(16UL, 64)));
            var offset = index << 3;
            Sym.BugOn(offset.Uge(BitVec.Of(64UL, 64)), "offset not in bounds", new Location(0x8000346c, "monitor.c", 26));
            table.Read(offset);
        }, Options, TestContext.Current.CancellationToken);
        Assert.Equal(VerifyOutcome.Counterexample, result.Outcome);
        var bug = Assert.Single(result.Violated);
        Assert.Equal(0x8000346cUL, bug.Location!.ProgramCounter);
        var value = result.Model!.Evaluate(index).Value;
        Assert.InRange(value, 8UL, 15UL);
    }

    private static BitVec Maximum(BitVec[] items)
    {
        var max = items[0];
        for (var i = 1; i < items.Length; i++)
        {
            var item = items[i];
            var current = max;
            max = Sym.If(current.Ult(item), () => item, () => current);
        }
        return max;
    }

    private enum Code
    {
        Arg,
        Jump,
        JumpIfLess,
        Halt,
    }

    private readonly record struct Instruction(Code Code, int Operand);

    /// <summary>
    /// A stack machine whose program counter is a guarded union: each step splits over it (split-pc), runs one
    /// instruction per member and merges the states.
    /// </summary>
    private sealed record StackMachine(Union<int> Pc, CowArray<BitVec> Stack, int Depth) : IMergeable<StackMachine>
    {
        public static BitVec Run(Instruction[] program, BitVec[] args)
        {
            var state = new StackMachine(Union.Of(0), new CowArray<BitVec>(4, BitVec.Of(0UL, 32)), 0);
            for (var steps = 0; steps < 16 && state.Pc.Members.Any(m => program[m.Value].Code != Code.Halt); steps++)
            {
                var current = state;
                state = Sym.ForAll(current.Pc, pc => current.Step(program, pc, args));
            }
            return state.Stack[state.Depth - 1];
        }

        public StackMachine Merge(Bool condition, StackMachine other) => Depth == other.Depth
            ? new StackMachine(Pc.Merge(condition, other.Pc), Stack.Merge(condition, other.Stack), Depth)
            : throw new MergeException("stack depths differ");

        private StackMachine Step(Instruction[] program, int pc, BitVec[] args)
        {
            var instruction = program[pc];
            var stack = Stack.Fork();
            switch (instruction.Code)
            {
                case Code.Arg:
                    stack[Depth] = args[instruction.Operand];
                    return new StackMachine(Union.Of(pc + 1), stack, Depth + 1);
                case Code.Jump:
                    return this with { Pc = Union.Of(instruction.Operand) };
                case Code.JumpIfLess:
                    var less = stack[Depth - 2].Ult(stack[Depth - 1]);
                    var next = Union.FromMembers([(less, instruction.Operand), (!less, pc + 1)]);
                    return new StackMachine(next, stack, Depth - 2);
                default:
                    return this with { Pc = Union.Of(pc) };
            }
        }
    }
}
