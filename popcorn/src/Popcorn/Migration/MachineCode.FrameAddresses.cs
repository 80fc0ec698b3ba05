using Popcorn.Emulation;

namespace Popcorn.Migration;

internal static partial class MachineCode
{
    /// <summary>What the forward analysis knows at one instruction: registers holding a frame address, registers
    /// holding a constant, and how the integer registers and 8-byte spill slots extend a narrower value
    /// (<see cref="Widths"/>).</summary>
    internal sealed class RegisterFacts
    {
        public Dictionary<int, (int Base, long Offset)> Known = [];
        public Dictionary<int, long> Constants = [];
        public Dictionary<int, Widths> Registers = [];
        public Dictionary<(int Base, long Offset), Widths> Slots = [];

        public RegisterFacts Clone() => new() { Known = new(Known), Constants = new(Constants), Registers = new(Registers), Slots = new(Slots) };

        /// <summary>Keeps only the facts both sides agree on (for widths: the weaker of the two); returns whether this changed.</summary>
        public bool Meet(RegisterFacts other) =>
            MeetExact(Known, other.Known) | MeetExact(Constants, other.Constants) | MeetWidths(Registers, other.Registers) | MeetWidths(Slots, other.Slots);

        private static bool MeetExact<TKey, TValue>(Dictionary<TKey, TValue> mine, Dictionary<TKey, TValue> theirs)
            where TKey : notnull
        {
            var changed = false;
            foreach (var (key, value) in mine.ToList())
            {
                if (!theirs.TryGetValue(key, out var other) || !EqualityComparer<TValue>.Default.Equals(other, value))
                {
                    mine.Remove(key);
                    changed = true;
                }
            }
            return changed;
        }

        private static bool MeetWidths<TKey>(Dictionary<TKey, Widths> mine, Dictionary<TKey, Widths> theirs)
            where TKey : notnull
        {
            var changed = false;
            foreach (var (key, value) in mine.ToList())
            {
                var met = theirs.TryGetValue(key, out var other) ? value.Meet(other) : Widths.Unknown;
                if (met != value)
                {
                    changed = true;
                    if (met == Widths.Unknown)
                    {
                        mine.Remove(key);
                    }
                    else
                    {
                        mine[key] = met;
                    }
                }
            }
            return changed;
        }
    }

    /// <summary>The facts of a forward pass over one function: before every instruction (by address) and after every
    /// call (by return address: what the caller's code sees when the callee returns).</summary>
    internal sealed record ForwardFacts(Dictionary<ulong, RegisterFacts> Before, Dictionary<ulong, RegisterFacts> AfterCall)
    {
        /// <summary>The callee-saved registers holding a frame address when each call returns.</summary>
        public Dictionary<ulong, List<FrameAddress>> FrameAddresses(Isa isa) => AfterCall.ToDictionary(p => p.Key,
            p => p.Value.Known.Where(k => IsCalleeSavedInteger(isa, k.Key)).Select(k => new FrameAddress(k.Key, k.Value.Base, k.Value.Offset)).ToList());
    }

    /// <summary>
    /// For every call in a function's code, the callee-saved registers that hold an address inside the function's
    /// own frame when the call returns, by return address. LLVM's local stack slot allocation gives a large frame a
    /// base register (<c>add x21, sp, #0x90</c>; <c>addi s3, s0, -2048; addi s3, s3, -256</c>) that lives across
    /// calls without being an IR value, so no stack map records it; the destination frame must get its own.
    /// A forward data-flow analysis over the function's control flow (a fact holds at a call only if it holds on
    /// every path to it); sp and fp stand for their values in the function's body. Code reached only through an
    /// indirect jump (a jump table) starts from what holds at the indirect jumps.
    /// </summary>
    public static Dictionary<ulong, List<FrameAddress>> FrameAddressesAtCalls(Isa isa, ReadOnlySpan<byte> code, ulong start) =>
        Forward(isa, code, start).FrameAddresses(isa);

    /// <summary>The forward data-flow pass behind <see cref="FrameAddressesAtCalls"/>, with everything it tracks:
    /// frame addresses and constants in registers, and the widths (<see cref="Widths"/>) of integer registers and spill slots.</summary>
    public static ForwardFacts Forward(Isa isa, ReadOnlySpan<byte> code, ulong start)
    {
        var instructions = new List<(int Offset, uint Word, int Length)>();
        var byOffset = new Dictionary<int, int>();
        for (var at = 0; at + 2 <= code.Length;)
        {
            var (word, length) = Read(isa, code, at);
            if (length == 0)
            {
                break;
            }
            byOffset[at] = instructions.Count;
            instructions.Add((at, word, length));
            at += length;
        }
        var facts = new RegisterFacts?[instructions.Count];
        var afterCall = new Dictionary<ulong, RegisterFacts>();
        RegisterFacts? atIndirectJumps = null;
        var work = new Stack<int>();
        if (instructions.Count > 0)
        {
            facts[0] = new RegisterFacts();
            work.Push(0);
        }
        var successors = new List<int>(2);
        while (true)
        {
            while (work.Count > 0)
            {
                var i = work.Pop();
                var (offset, word, length) = instructions[i];
                var state = facts[i]!.Clone();
                var flow = Step(isa, word, length, start + (ulong)offset, state);
                successors.Clear();
                if (flow.FallsThrough && i + 1 < instructions.Count)
                {
                    successors.Add(i + 1);
                }
                if (flow.Target is { } target && byOffset.TryGetValue(offset + (int)target, out var j))
                {
                    successors.Add(j);
                }
                if (flow.IsCall)
                {
                    var returnAddress = start + (ulong)(offset + length);
                    afterCall[returnAddress] = state.Clone();
                }
                if (flow.IsIndirectJump)
                {
                    if (atIndirectJumps is null)
                    {
                        atIndirectJumps = state.Clone();
                    }
                    else
                    {
                        atIndirectJumps.Meet(state);
                    }
                }
                foreach (var next in successors)
                {
                    if (facts[next] is null)
                    {
                        facts[next] = state.Clone();
                        work.Push(next);
                    }
                    else if (facts[next]!.Meet(state))
                    {
                        work.Push(next);
                    }
                }
            }
            // Blocks no direct branch reaches: the targets of jump tables (or code after a function's last return).
            var orphan = Array.FindIndex(facts, f => f is null);
            if (orphan < 0)
            {
                break;
            }
            facts[orphan] = atIndirectJumps?.Clone() ?? new RegisterFacts();
            work.Push(orphan);
        }
        var before = new Dictionary<ulong, RegisterFacts>(instructions.Count);
        for (var i = 0; i < instructions.Count; i++)
        {
            before[start + (ulong)instructions[i].Offset] = facts[i]!;
        }
        return new ForwardFacts(before, afterCall);
    }

    private readonly record struct Flow(bool FallsThrough, long? Target, bool IsCall, bool IsIndirectJump);

    /// <summary>Applies one instruction to <paramref name="state"/> and says where control goes next.</summary>
    private static Flow Step(Isa isa, uint word, int length, ulong address, RegisterFacts state)
    {
        var sp = StackPointer(isa);
        var fp = FramePointer(isa);
        // Prologues and epilogues move sp and fp; where the calls are, they are the frame's bases.
        state.Known[sp] = (sp, 0);
        state.Known[fp] = (fp, 0);
        state.Constants[0] = 0;
        var flow = isa == Isa.Aarch64 ? A64Flow(word) : RiscVFlow(word, length);
        if (isa == Isa.Aarch64)
        {
            A64Widths(word, address, state);
            A64Address(word, state.Known);
            A64OtherWrites(word, state.Known);
        }
        else if (!flow.IsCall)
        {
            RiscVWidths(word, length, state);
            RiscVAddress(word, length, state.Known, state.Constants);
        }
        if (flow.IsCall)
        {
            // The callee may change every caller-saved register (and the call writes the link register).
            foreach (var register in state.Known.Keys.Where(r => !IsCalleeSavedInteger(isa, r)).ToList())
            {
                state.Known.Remove(register);
            }
            foreach (var register in state.Constants.Keys.Where(r => !IsCalleeSavedInteger(isa, r)).ToList())
            {
                state.Constants.Remove(register);
            }
            foreach (var register in state.Registers.Keys.Where(r => !IsCalleeSavedInteger(isa, r) && r != FramePointer(isa)).ToList())
            {
                state.Registers.Remove(register);
            }
        }
        state.Known[sp] = (sp, 0);
        state.Known[fp] = (fp, 0);
        return flow;
    }

    private static Flow A64Flow(uint w)
    {
        if ((w & 0xFC00_0000) == 0x1400_0000)
        {
            return new Flow(false, SignExtend(w & 0x3FF_FFFF, 26) * 4, false, false);
        }
        if ((w & 0xFC00_0000) == 0x9400_0000 || (w & 0xFFFF_FC1F) == 0xD63F_0000)
        {
            return new Flow(true, null, true, false);
        }
        if ((w & 0xFF00_0010) == 0x5400_0000 || (w & 0x7E00_0000) == 0x3400_0000)
        {
            return new Flow(true, SignExtend((w >> 5) & 0x7_FFFF, 19) * 4, false, false);
        }
        if ((w & 0x7E00_0000) == 0x3600_0000)
        {
            return new Flow(true, SignExtend((w >> 5) & 0x3FFF, 14) * 4, false, false);
        }
        if ((w & 0xFFFF_FC1F) == 0xD65F_0000)
        {
            return new Flow(false, null, false, false);
        }
        if ((w & 0xFFFF_FC1F) == 0xD61F_0000)
        {
            return new Flow(false, null, false, true);
        }
        return new Flow(true, null, false, false);
    }

    private static Flow RiscVFlow(uint w, int length)
    {
        if (length == 2)
        {
            var funct3 = (w >> 13) & 7;
            var op = w & 3;
            if (op == 1 && funct3 == 5)
            {
                // C.J
                var imm = ((w >> 12) & 1) << 11 | ((w >> 11) & 1) << 4 | ((w >> 9) & 3) << 8 | ((w >> 8) & 1) << 10 | ((w >> 7) & 1) << 6
                    | ((w >> 6) & 1) << 7 | ((w >> 3) & 7) << 1 | ((w >> 2) & 1) << 5;
                return new Flow(false, SignExtend(imm, 12), false, false);
            }
            if (op == 1 && funct3 is 6 or 7)
            {
                // C.BEQZ, C.BNEZ
                var imm = ((w >> 12) & 1) << 8 | ((w >> 10) & 3) << 3 | ((w >> 5) & 3) << 6 | ((w >> 3) & 3) << 1 | ((w >> 2) & 1) << 5;
                return new Flow(true, SignExtend(imm, 9), false, false);
            }
            if (op == 2 && funct3 == 4 && ((w >> 2) & 0x1F) == 0 && ((w >> 7) & 0x1F) != 0)
            {
                // C.JR (a return when through ra), C.JALR
                var link = ((w >> 12) & 1) == 1;
                var isReturn = !link && ((w >> 7) & 0x1F) == 1;
                return link ? new Flow(true, null, true, false) : new Flow(false, null, false, !isReturn);
            }
            return new Flow(true, null, false, false);
        }
        var opcode = w & 0x7F;
        var rd = (w >> 7) & 0x1F;
        if (opcode == 0x6F)
        {
            var imm = ((w >> 31) & 1) << 20 | ((w >> 21) & 0x3FF) << 1 | ((w >> 20) & 1) << 11 | ((w >> 12) & 0xFF) << 12;
            return rd == 0 ? new Flow(false, SignExtend(imm, 21), false, false) : new Flow(true, null, true, false);
        }
        if (opcode == 0x67)
        {
            var isReturn = rd == 0 && ((w >> 15) & 0x1F) == 1;
            return rd == 0 ? new Flow(false, null, false, !isReturn) : new Flow(true, null, true, false);
        }
        if (opcode == 0x63)
        {
            var imm = ((w >> 31) & 1) << 12 | ((w >> 25) & 0x3F) << 5 | ((w >> 8) & 0xF) << 1 | ((w >> 7) & 1) << 11;
            return new Flow(true, SignExtend(imm, 13), false, false);
        }
        return new Flow(true, null, false, false);
    }
}
