using System.Collections.Concurrent;
using Serval.Binary;
using Serval.Memory;
using Serval.RiscV;
using Serval.Spec;
using Serval.Symbolic;
using Systems.RiscV;

namespace Serval.Verification;

/// <summary>The toy monitor's specification state: the current user, the dictionary, and the last call's result.</summary>
/// <param name="CurrentUser">current_user.</param>
/// <param name="Dictionary">dictionary[0..MAXUSER).</param>
/// <param name="Result">The value returned in a0.</param>
public sealed record ToymonSpecState(BitVec CurrentUser, BitVec[] Dictionary, BitVec Result);

/// <summary>
/// The tutorial's toy monitor: its specification, abstraction function and representation invariant, and the checks
/// that its machine code (boot to the first mret, and every ecall) refines the specification and keeps each user's
/// entry confidential, under either memory model.
/// </summary>
public sealed class Toymon
{
    /// <summary>MAXUSER of the monitor's sources.</summary>
    public const int MaxUser = 4;

    /// <summary>The call numbers (a7) and their names.</summary>
    public static readonly (string Name, ulong Number)[] Calls = [("dict_get", 10), ("dict_set", 11), ("change_user", 12)];

    private static readonly string[] RegionNames = ["current_user", "dictionary", "cpu_stack"];
    private const ulong UserEntry = 0x8020_0000;
    private const ulong StackSize = 4096;
    private const int EcallFromSupervisor = 9;
    private readonly ElfImage _image;
    private readonly ulong _trapVector;
    private readonly ulong _stackTop;
    private readonly ulong _currentUser;
    private readonly ulong _dictionary;
    private readonly RegionLayout[] _layouts;
    // The flat model's byte function per state prefix: replays must meet the function the query used.
    private readonly ConcurrentDictionary<string, Function> _flatBytes = new(StringComparer.Ordinal);

    /// <summary>Reads the monitor's layout from <paramref name="image"/>: globals typed by DWARF where it describes them.</summary>
    /// <exception cref="BadElfException">A symbol the monitor must have is missing.</exception>
    public Toymon(ElfImage image, MemoryModel memoryModel = MemoryModel.Structured, SymbolicOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        _image = image;
        if (!image.Is64Bit)
        {
            throw new BadElfException($"{image.Path} is RV32; the toy monitor is an RV64 program.");
        }
        MemoryModel = memoryModel;
        _trapVector = image.Symbol("machine_trap_vector").Address;
        _stackTop = image.Symbol("cpu_stack").Address + StackSize;
        _currentUser = image.Symbol("current_user").Address;
        _dictionary = image.Symbol("dictionary").Address;
        _layouts = [.. RegionNames.Select(name =>
        {
            var symbol = image.Symbol(name);
            if (symbol.Size == 0)
            {
                throw new BadElfException($"{image.Path}: symbol '{name}' has no size.");
            }
            var type = image.Globals.TryGetValue(name, out var global) && global.Address == symbol.Address && global.Type.Size == symbol.Size
                ? global.Type
                : RegionLayout.Untyped(symbol.Size);
            return new RegionLayout(name, symbol.Address, type);
        })];
        Interpreter = new Interpreter(image) { Options = options ?? SymbolicOptions.Default };
    }

    /// <summary>The interpreter over the monitor's code.</summary>
    public Interpreter Interpreter { get; }

    /// <summary>The image being verified.</summary>
    public ElfImage Image => _image;

    /// <summary>The memory model the checks run on.</summary>
    public MemoryModel MemoryModel { get; }

    /// <summary>The structured model's regions: each global with the type it was laid out by.</summary>
    public IReadOnlyList<RegionLayout> Layouts => _layouts;

    /// <summary>A memory whose contents (the globals, or every writable byte) are fresh symbolic constants.</summary>
    public IMemory SymbolicMemory(string prefix = "")
    {
        Func<ulong, int, ulong?> readOnly = (address, size) =>
        {
            Span<byte> bytes = stackalloc byte[8];
            return _image.IsReadOnly(address) && _image.TryRead(address, bytes[..size]) ? BitConverter.ToUInt64(bytes) : null;
        };
        return MemoryModel == MemoryModel.Flat
            ? new FlatMemory(_flatBytes.GetOrAdd(prefix, p => Function.BitVecMap(p + "memory", 64, 8)), readOnly)
            : new StructuredMemory(_layouts.Select(l => MemoryRegion.Symbolic(l, prefix)), readOnly);
    }

    /// <summary>The representation invariant: the trap vector, the monitor's stack and no delegation.</summary>
    public Bool Invariant(MachineState s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return (s.Csrs[CsrNumber.Mtvec] == _trapVector) & (s.Csrs[CsrNumber.Mscratch] == _stackTop)
            & (s.Csrs[CsrNumber.Medeleg] == 0UL);
    }

    /// <summary>The abstraction function: read current_user, the dictionary and a0 (through either memory model).</summary>
    public ToymonSpecState Abstraction(MachineState s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var dictionary = Enumerable.Range(0, MaxUser).Select(i => s.Memory.Read(_dictionary + (8 * (ulong)i))).ToArray();
        return new ToymonSpecState(s.Memory.Read(_currentUser), dictionary, s["a0"]);
    }
    /// <summary>The specification of one call, with argument <paramref name="argument"/>.</summary>
    public static ToymonSpecState Specification(ulong call, ToymonSpecState s, BitVec argument)
    {
        ArgumentNullException.ThrowIfNull(s);
        var valid = s.CurrentUser.Ult(BitVec.Of(MaxUser, 64));
        var minusOne = BitVec.Of(ulong.MaxValue, 64);
        switch (call)
        {
            case 10:
                return s with { Result = BitVec.Ite(valid, Lookup(s.Dictionary, s.CurrentUser), minusOne) };
            case 11:
                var updated = s.Dictionary.Select((v, i) => BitVec.Ite(valid & (s.CurrentUser == (ulong)i), argument, v)).ToArray();
                return s with { Dictionary = updated, Result = BitVec.Ite(valid, BitVec.Of(0, 64), minusOne) };
            case 12:
                var ok = argument.Ult(BitVec.Of(MaxUser, 64));
                return s with { CurrentUser = BitVec.Ite(ok, argument, s.CurrentUser), Result = BitVec.Ite(ok, BitVec.Of(0, 64), minusOne) };
            default:
                return s with { Result = BitVec.Of(unchecked((ulong)-38L), 64) };
        }
    }

    /// <summary>The parts of specification-state equality, named for reports.</summary>
    public static IEnumerable<(string Part, Bool Same)> SpecEqual(ToymonSpecState a, ToymonSpecState b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        yield return ("result in a0", a.Result == b.Result);
        yield return ("current_user", a.CurrentUser == b.CurrentUser);
        for (var i = 0; i < MaxUser; i++)
        {
            yield return ($"dictionary[{i}]", a.Dictionary[i] == b.Dictionary[i]);
        }
    }

    /// <summary>A symbolic caller in supervisor mode about to make call <paramref name="call"/> (null: any other number).</summary>
    public MachineState Caller(ulong? call, string prefix = "")
    {
        var s = MachineState.Symbolic(Xlen.Rv64, 0, Privilege.Supervisor, SymbolicMemory(prefix), prefix);
        s.Csrs[CsrNumber.Mtvec] = BitVec.Of(_trapVector, 64);
        s.Csrs[CsrNumber.Mscratch] = BitVec.Of(_stackTop, 64);
        s.Csrs[CsrNumber.Medeleg] = BitVec.Of(0, 64);
        if (call is { } number)
        {
            s.Registers[MachineState.RegisterNumber("a7")] = BitVec.Of(number, 64);
        }
        return s;
    }

    /// <summary>
    /// The implementation step for an ecall: trap from supervisor mode at the caller's PC, run the monitor's code on
    /// every path until it returns with mret. The caller's PC is the symbolic <c>user_pc</c>.
    /// </summary>
    public StepOutcome<MachineState> Ecall(MachineState caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var s = caller.Clone();
        Interpreter.TakeTrap(s, EcallFromSupervisor, UserPc(caller));
        var execution = Interpreter.Run(s, state => state.Returns > 0);
        return Outcome(execution);
    }

    /// <summary>The implementation of boot: from the reset vector in machine mode to the first mret.</summary>
    public StepOutcome<MachineState> Boot(MachineState reset)
    {
        ArgumentNullException.ThrowIfNull(reset);
        var execution = Interpreter.Run(reset.Clone(), state => state.Returns > 0);
        return Outcome(execution);
    }

    /// <summary>The machine state at reset: everything symbolic, machine mode, PC at the ELF entry point.</summary>
    public MachineState Reset() => MachineState.Symbolic(Xlen.Rv64, _image.Entry, Privilege.Machine, SymbolicMemory());

    /// <summary>Every check of the tutorial: boot invariants, each call's refinement, confidentiality of dict_get.</summary>
    public IReadOnlyList<CheckDefinition> Checks()
    {
        var hooks = new ReplayHooks(EnterForReplay, Observe, CompareWithSpecification);
        var checks = new List<CheckDefinition>
        {
            new("boot invariants", [Reset], s => [BootObligation(s[0])], hooks),
        };
        foreach (var (name, number) in Calls.Select(c => (c.Name, (ulong?)c.Number)).Append(("unknown call", null)))
        {
            checks.Add(new CheckDefinition($"{name} refinement", [() => Caller(number)], s => RefinementOf(number, s[0]), hooks));
        }
        checks.Add(new CheckDefinition("dict_get confidentiality", [() => Caller(10, "s1."), () => Caller(10, "s2.")],
            s => [Noninterference.StepConsistency(s[0], s[1], Ecall, Invariant, ObservedByCurrentUser)], hooks));
        return checks;
    }

    /// <summary>Boot from <paramref name="reset"/> establishes the invariant and the initial specification state, and drops to supervisor mode at the user's entry.</summary>
    public Obligation BootObligation(MachineState reset)
    {
        var outcome = Boot(reset);
        var goals = new List<Goal>(outcome.Bugs.Select(b => b with { Holds = !b.Holds }));
        foreach (var (guard, final) in outcome.Finals)
        {
            var spec = Abstraction(final);
            goals.Add(new Goal("representation invariant after boot", guard.Implies(Invariant(final))));
            goals.Add(new Goal("current_user = 0 after boot", guard.Implies(spec.CurrentUser == 0UL)));
            goals.AddRange(spec.Dictionary.Select((v, i) => new Goal($"dictionary[{i}] = 0 after boot", guard.Implies(v == 0UL))));
            goals.Add(new Goal($"boot returns to supervisor mode at 0x{UserEntry:x}",
                guard.Implies(final.Mode == Privilege.Supervisor ? (final.ResumeAt ?? BitVec.Of(0, 64)) == UserEntry : Bool.False)));
        }
        return new Obligation("boot", Bool.True, goals);
    }

    /// <summary>The refinement obligations of one call from <paramref name="caller"/>.</summary>
    public IReadOnlyList<Obligation> RefinementOf(ulong? call, MachineState caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var argument = caller["a0"];
        var userPc = UserPc(caller);
        var outcome = Ecall(caller);
        var obligations = Refinement.VerifyRefinement(caller, _ => outcome, Abstraction, Invariant,
            spec => Specification(call ?? 0, spec, argument), SpecEqual);
        // The caller resumes after its ecall in supervisor mode with every register but a0 as it left it.
        var resumes = outcome.Finals.SelectMany(f =>
            new[] { new Goal("returns to the caller's next instruction in supervisor mode",
                    f.Guard.Implies((f.State.ResumeAt ?? BitVec.Of(0, 64)) == userPc + 4UL & (f.State.Mode == Privilege.Supervisor))) }
                .Concat(Enumerable.Range(1, 31).Where(r => r != 10).Select(r => new Goal(
                    $"{Disassembler.IntegerRegisterName(r)} preserved", f.Guard.Implies(f.State.Registers[r] == caller.Registers[r])))))
            .ToList();
        var assumption = Invariant(caller) & (call is null ? Calls.Aggregate(Bool.True, (all, c) => all & (caller["a7"] != c.Number)) : Bool.True);
        return [.. obligations.Select(o => o with { Assumption = assumption, Goals = o.Kind == "refinement" ? [.. o.Goals, .. resumes] : o.Goals })];
    }

    // The current user observes its own identity and entry, and what its calls return.
    private IEnumerable<(string Part, Bool Same)> ObservedByCurrentUser(MachineState a, MachineState b)
    {
        var sa = Abstraction(a);
        var sb = Abstraction(b);
        var valid = sa.CurrentUser.Ult(BitVec.Of(MaxUser, 64));
        yield return ("current_user", sa.CurrentUser == sb.CurrentUser);
        yield return ("dictionary[current_user]", valid.Implies(Lookup(sa.Dictionary, sa.CurrentUser) == Lookup(sb.Dictionary, sb.CurrentUser)));
        if (a.Returns > 0)
        {
            yield return ("result in a0", sa.Result == sb.Result);
        }
    }

    private static BitVec UserPc(MachineState caller) => BitVec.Var(caller.Prefix + "user_pc", 64);

    // A concrete caller enters the monitor through its ecall; a reset state starts where it is.
    private static MachineState EnterForReplay(MachineState initial, Model model)
    {
        var state = initial.Clone();
        if (state.Mode != Privilege.Machine)
        {
            Interpreter.TakeTrap(state, EcallFromSupervisor, model.Evaluate(UserPc(initial)));
        }
        return state;
    }

    private IEnumerable<string> Observe(MachineState s)
    {
        var spec = Abstraction(s);
        yield return $"{s.Prefix}a0 = {Hex(s["a0"])}";
        yield return $"{s.Prefix}a7 = {Hex(s["a7"])}";
        yield return $"{s.Prefix}current_user = [{Hex(spec.CurrentUser)}]";
        yield return $"{s.Prefix}dictionary = [{string.Join(", ", spec.Dictionary.Select(Hex))}]";
    }

    private IEnumerable<string> CompareWithSpecification(MachineState initial, MachineState final)
    {
        if (initial.Mode == Privilege.Machine || final.Returns == 0)
        {
            yield break;
        }
        var call = initial["a7"].TryGetValue(out var n) ? n : 0;
        var expected = Specification(call, Abstraction(initial), initial["a0"]);
        yield return $"implementation: {Describe(Abstraction(final))}";
        yield return $"specification:  {Describe(expected)}";
    }

    private static string Describe(ToymonSpecState s) =>
        $"a0={Hex(s.Result)} current_user={Hex(s.CurrentUser)} dictionary=[{string.Join(", ", s.Dictionary.Select(Hex))}]";

    private static string Hex(BitVec value) => value.TryGetValue(out var v) ? $"0x{v:x}" : value.ToString();

    private static BitVec Lookup(BitVec[] values, BitVec index)
    {
        var result = values[^1];
        for (var i = values.Length - 2; i >= 0; i--)
        {
            result = BitVec.Ite(index == (ulong)i, values[i], result);
        }
        return result;
    }

    private static StepOutcome<MachineState> Outcome(Execution execution) =>
        new([.. execution.Finals.Select(f => (f.Guard, f))],
            [.. execution.Bugs.Select(b => new Goal(b.Message, b.Condition, b.Pc))]);
}

/// <summary>How a counterexample is replayed and shown: entering the step, the observed globals, the specification's view.</summary>
/// <param name="Enter">Makes a concrete initial state ready to step (e.g. takes the caller's trap), given the model.</param>
/// <param name="Observe">Lines naming what a person wants to see of a state (registers, globals).</param>
/// <param name="Compare">Lines comparing the implementation's final state with the specification's, from the initial state.</param>
public sealed record ReplayHooks(Func<MachineState, Model, MachineState> Enter, Func<MachineState, IEnumerable<string>> Observe,
    Func<MachineState, MachineState, IEnumerable<string>> Compare);

/// <summary>A named check: its symbolic initial states, the obligations built from them, and how to replay a counterexample.</summary>
/// <param name="Name">The check's name.</param>
/// <param name="Initials">Creates the symbolic initial states (same names each time, so a model applies to every copy).</param>
/// <param name="Obligations">Builds the obligations from initial states (symbolic evaluation happens here); given
/// concrete states it re-runs the step concretely, which is how a counterexample is confirmed.</param>
/// <param name="Hooks">How to replay and show a counterexample.</param>
public sealed record CheckDefinition(string Name, IReadOnlyList<Func<MachineState>> Initials,
    Func<MachineState[], IReadOnlyList<Obligation>> Obligations, ReplayHooks Hooks);
