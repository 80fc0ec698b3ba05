using Popcorn.Emulation;
using Popcorn.Emulation.AArch64;
using Systems.RiscV;

namespace Popcorn.Migration;

/// <summary>
/// Machine-level liveness, the safety net under the stack maps: which registers (and, in
/// <c>MachineCode.Slots.cs</c>, which stack slots) the code after each call reads before writing them. A callee-saved register the function saved (so its value at the call is the function's
/// own) that is live at a return address must be one the stack map records or one stack transformation sets
/// itself; otherwise the backend keeps a value across the call that no record describes (e.g. CodeGenPrepare
/// sinking a compare past the call and leaving its operand live) and a migration there would resume wrong.
/// </summary>
internal static partial class MachineCode
{
    private enum ControlFlow : byte
    {
        Next,
        Branch,
        Jump,
        Call,
        Return,
    }

    /// <summary>A load or store at a constant offset from a register (DWARF number); <c>Base</c> is -1 for none.
    /// <c>IsPair</c>: two registers' worth (aarch64 LDP/STP), each half its own register's value.</summary>
    private readonly record struct MemoryAccess(int Base, long Offset, int Bytes, bool IsLoad, bool IsPair = false)
    {
        public static readonly MemoryAccess None = new(-1, 0, 0, false);
    }

    private readonly record struct Effects(ulong Address, UInt128 Reads, UInt128 Writes, ulong Target, ControlFlow Flow, MemoryAccess Access,
        BranchTest? Test = null);

    /// <summary>
    /// What is live at each of <paramref name="returnAddresses"/> in the function whose code is
    /// <paramref name="code"/>, loaded at <paramref name="start"/>: the registers (DWARF numbers) and the stack slots
    /// (addressed from the stack or frame pointer) that the code after the call reads before writing them. An access
    /// through another register that holds a frame address (a large frame's base register, <c>add x8, sp, #1, lsl #12</c>;
    /// <c>lui a0, 1; add a0, sp, a0</c>) counts as an access to the frame slot it reaches.
    /// </summary>
    public static MachineLiveness LiveAtReturnAddresses(Isa isa, ReadOnlySpan<byte> code, ulong start, IEnumerable<ulong> returnAddresses, ForwardFacts? forward = null)
    {
        forward ??= Forward(isa, code, start);
        var steps = new List<Effects>();
        for (var at = 0; at + 2 <= code.Length;)
        {
            var (word, length) = Read(isa, code, at);
            if (length == 0)
            {
                break;
            }
            var address = start + (ulong)at;
            var effects = isa == Isa.Aarch64 ? A64Effects(word, address) : RiscVEffects(code[at..], address);
            if (effects.Access.Base >= 0 && effects.Access.Base != StackPointer(isa) && effects.Access.Base != FramePointer(isa)
                && forward.Before.TryGetValue(address, out var facts) && facts.Known.TryGetValue(effects.Access.Base, out var frameAddress))
            {
                effects = effects with { Access = effects.Access with { Base = frameAddress.Base, Offset = frameAddress.Offset + effects.Access.Offset } };
            }
            steps.Add(effects);
            at += length;
        }
        var index = new Dictionary<ulong, int>(steps.Count);
        for (var i = 0; i < steps.Count; i++)
        {
            index[steps[i].Address] = i;
        }
        var registers = LiveRegisters(isa, steps, index);
        var slots = LiveSlots(isa, steps, index);
        var stored = steps.Select(s => s.Access).Where(a => !a.IsLoad && (a.Base == StackPointer(isa) || a.Base == FramePointer(isa)))
            .Select(a => new FrameSlot(a.Base, a.Offset, a.Bytes)).Distinct().ToList();
        var result = new MachineLiveness([], [], stored, new FeasiblePaths(isa, steps, index).MayRead);
        foreach (var address in returnAddresses)
        {
            var found = index.TryGetValue(address, out var i);
            result.Registers[address] = found ? registers[i] : UInt128.Zero;
            result.Slots[address] = found ? [.. slots[i].Order()] : [];
        }
        return result;
    }

    private static UInt128[] LiveRegisters(Isa isa, List<Effects> steps, Dictionary<ulong, int> index)
    {
        var clobbered = CallerSaved(isa);
        var live = new UInt128[steps.Count + 1];
        for (var changed = true; changed;)
        {
            changed = false;
            for (var i = steps.Count - 1; i >= 0; i--)
            {
                var step = steps[i];
                var target = step.Flow is ControlFlow.Branch or ControlFlow.Jump && index.TryGetValue(step.Target, out var t) ? live[t] : UInt128.Zero;
                var outgoing = step.Flow switch
                {
                    ControlFlow.Next or ControlFlow.Call => live[i + 1],
                    ControlFlow.Branch => live[i + 1] | target,
                    ControlFlow.Jump => target,
                    _ => UInt128.Zero,
                };
                var writes = step.Flow == ControlFlow.Call ? step.Writes | clobbered : step.Writes;
                var incoming = step.Reads | (outgoing & ~writes);
                if (incoming != live[i])
                {
                    live[i] = incoming;
                    changed = true;
                }
            }
        }
        return live;
    }

    /// <summary>Whether <paramref name="register"/> (DWARF) is callee-saved: integer other than the frame pointer, or
    /// floating point (d8–d15; fs0–fs11).</summary>
    public static bool IsCalleeSaved(Isa isa, int register) =>
        IsCalleeSavedInteger(isa, register) || (isa == Isa.Aarch64 ? register is >= 72 and <= 79 : register is 40 or 41 or (>= 50 and <= 59));

    /// <summary>A register's assembler name (x19, d8; s1, fs0).</summary>
    public static string RegisterName(Isa isa, int register) => isa == Isa.Aarch64
        ? register < 31 ? $"x{register}" : register == 31 ? "sp" : $"d{register - 64}"
        : register < 32 ? Disassembler.IntegerRegisterName(register) : Disassembler.FloatRegisterName(register - 32);

    private static UInt128 Bit(int register) => register is >= 0 and < 128 ? UInt128.One << register : UInt128.Zero;

    private static UInt128 CallerSaved(Isa isa)
    {
        var set = UInt128.Zero;
        for (var r = 0; r < RegisterCount; r++)
        {
            var isRegister = isa == Isa.Aarch64 ? r <= 30 || r is >= 64 and < 96 : r < 64;
            if (isRegister && !IsCalleeSaved(isa, r) && r != FramePointer(isa) && r != StackPointer(isa) && !(isa == Isa.RiscV64 && r is 0 or 3 or 4))
            {
                set |= Bit(r);
            }
        }
        return set;
    }

    private static Effects RiscVEffects(ReadOnlySpan<byte> code, ulong address)
    {
        var instruction = InstructionDecoder.Decode(code);
        if (!instruction.IsLegal)
        {
            return new Effects(address, UInt128.Zero, UInt128.Zero, 0, ControlFlow.Return, MemoryAccess.None);
        }
        // The assembler text names every operand with its register file; the first is the destination except in
        // stores and branches.
        var text = Disassembler.Format(instruction, address);
        var tab = text.IndexOf('\t', StringComparison.Ordinal);
        var mnemonic = tab < 0 ? text : text[..tab];
        var operands = tab < 0 ? [] : text[(tab + 1)..].Split(',');
        var writesFirst = !(mnemonic is "sb" or "sh" or "sw" or "sd" or "fsw" or "fsd" || mnemonic.StartsWith('b'));
        UInt128 reads = UInt128.Zero, writes = UInt128.Zero;
        for (var i = 0; i < operands.Length; i++)
        {
            var operand = operands[i];
            var open = operand.IndexOf('(', StringComparison.Ordinal);
            if (open >= 0)
            {
                reads |= Bit(RiscVRegister(operand[(open + 1)..operand.IndexOf(')', StringComparison.Ordinal)]));
                continue;
            }
            var register = RiscVRegister(operand);
            if (i == 0 && writesFirst)
            {
                writes |= register == 0 ? UInt128.Zero : Bit(register);
            }
            else if (register > 0)
            {
                reads |= Bit(register);
            }
        }
        var target = (ulong)((long)address + instruction.Imm);
        var flow = instruction.Opcode switch
        {
            Opcode.Jal => instruction.Rd == 0 ? ControlFlow.Jump : ControlFlow.Call,
            Opcode.Jalr => instruction.Rd == 0 ? ControlFlow.Return : ControlFlow.Call,
            Opcode.Beq or Opcode.Bne or Opcode.Blt or Opcode.Bge or Opcode.Bltu or Opcode.Bgeu => ControlFlow.Branch,
            _ => ControlFlow.Next,
        };
        var bytes = instruction.Opcode switch
        {
            Opcode.Lb or Opcode.Lbu or Opcode.Sb => 1,
            Opcode.Lh or Opcode.Lhu or Opcode.Sh => 2,
            Opcode.Lw or Opcode.Lwu or Opcode.Flw or Opcode.Sw or Opcode.Fsw => 4,
            Opcode.Ld or Opcode.Fld or Opcode.Sd or Opcode.Fsd => 8,
            _ => 0,
        };
        var access = bytes == 0 ? MemoryAccess.None : new MemoryAccess(instruction.Rs1, instruction.Imm, bytes, writesFirst);
        // beqz/bnez (beq/bne against the zero register) test whether a register is zero.
        var zeroTest = instruction.Opcode is Opcode.Beq or Opcode.Bne && (instruction.Rs1 == 0) != (instruction.Rs2 == 0);
        var test = zeroTest ? new BranchTest(instruction.Rs1 == 0 ? instruction.Rs2 : instruction.Rs1, BranchTest.NonZero, instruction.Opcode == Opcode.Bne) : (BranchTest?)null;
        return new Effects(address, reads, writes, target, flow, access, test);
    }

    private static int RiscVRegister(string name)
    {
        for (var n = 0; n < 32; n++)
        {
            if (name == Disassembler.IntegerRegisterName(n))
            {
                return n;
            }
            if (name == Disassembler.FloatRegisterName(n))
            {
                return 32 + n;
            }
        }
        return -1;
    }

    private static Effects A64Effects(uint word, ulong address)
    {
        var i = A64Decoder.Decode(word, address);
        UInt128 reads = UInt128.Zero, writes = UInt128.Zero;
        void R(byte slot) => reads |= Bit(A64Slot(slot));
        void W(byte slot) => writes |= Bit(A64Slot(slot));
        void RV(byte v) => reads |= Bit(64 + v);
        void WV(byte v) => writes |= Bit(64 + v);
        var flow = ControlFlow.Next;
        var target = (ulong)i.Imm;
        var access = MemoryAccess.None;
        BranchTest? test = null;
        switch (i.Op)
        {
            case A64Op.AddImm or A64Op.AddsImm or A64Op.SubImm or A64Op.SubsImm or A64Op.AndImm or A64Op.OrrImm or A64Op.EorImm or A64Op.AndsImm
                or A64Op.Sbfm or A64Op.Ubfm or A64Op.Rbit or A64Op.Rev16 or A64Op.Rev32 or A64Op.Rev64 or A64Op.Clz or A64Op.Cls:
                W(i.Rd);
                R(i.Rn);
                break;
            case A64Op.MovConst or A64Op.Mrs:
                W(i.Rd);
                break;
            case A64Op.Movk or A64Op.Bfm:
                W(i.Rd);
                R(i.Rd);
                R(i.Rn);
                break;
            case A64Op.Madd or A64Op.Msub or A64Op.Smaddl or A64Op.Smsubl or A64Op.Umaddl or A64Op.Umsubl:
                W(i.Rd);
                R(i.Rn);
                R(i.Rm);
                R(i.Ra);
                break;
            case A64Op.CcmpReg or A64Op.CcmnReg:
                R(i.Rn);
                R(i.Rm);
                break;
            case A64Op.CcmpImm or A64Op.CcmnImm or A64Op.Prfm:
                R(i.Rn);
                break;
            case A64Op.B:
                flow = ControlFlow.Jump;
                break;
            case A64Op.Bl:
                flow = ControlFlow.Call;
                break;
            case A64Op.BCond:
                flow = ControlFlow.Branch;
                break;
            case A64Op.Cbz or A64Op.Cbnz or A64Op.Tbz or A64Op.Tbnz:
                R(i.Rn);
                flow = ControlFlow.Branch;
                test = new BranchTest(A64Slot(i.Rn), i.Op is A64Op.Tbz or A64Op.Tbnz ? i.Amount : i.Sf ? BranchTest.NonZero : BranchTest.NonZeroLow32,
                    i.Op is A64Op.Cbnz or A64Op.Tbnz);
                break;
            case A64Op.Blr:
                R(i.Rn);
                flow = ControlFlow.Call;
                break;
            case A64Op.Br or A64Op.Ret:
                R(i.Rn);
                flow = ControlFlow.Return;
                break;
            case A64Op.Svc:
                W(0);
                break;
            case A64Op.Msr:
                R(i.Rd);
                break;
            case A64Op.Ldrb or A64Op.Ldrh or A64Op.LdrW or A64Op.LdrX or A64Op.LdrsbW or A64Op.LdrsbX or A64Op.LdrshW or A64Op.LdrshX or A64Op.Ldrsw:
                Transfer(load: true, vector: false, pair: false);
                break;
            case A64Op.LdrB or A64Op.LdrH or A64Op.LdrS or A64Op.LdrD or A64Op.LdrQ:
                Transfer(load: true, vector: true, pair: false);
                break;
            case A64Op.Strb or A64Op.Strh or A64Op.StrW or A64Op.StrX:
                Transfer(load: false, vector: false, pair: false);
                break;
            case A64Op.StrB or A64Op.StrH or A64Op.StrS or A64Op.StrD or A64Op.StrQ:
                Transfer(load: false, vector: true, pair: false);
                break;
            case A64Op.LdpW or A64Op.LdpX or A64Op.Ldpsw:
                Transfer(load: true, vector: false, pair: true);
                break;
            case A64Op.StpW or A64Op.StpX:
                Transfer(load: false, vector: false, pair: true);
                break;
            case A64Op.LdpS or A64Op.LdpD or A64Op.LdpQ:
                Transfer(load: true, vector: true, pair: true);
                break;
            case A64Op.StpS or A64Op.StpD or A64Op.StpQ:
                Transfer(load: false, vector: true, pair: true);
                break;
            case A64Op.Ldxr or A64Op.Ldar:
                W(i.Rd);
                R(i.Rn);
                break;
            case A64Op.Stxr or A64Op.Stlr:
                W(i.Rm);
                R(i.Rd);
                R(i.Rn);
                break;
            case A64Op.FmovImm or A64Op.MoviImm:
                WV(i.Rd);
                break;
            case A64Op.FmovToGeneral or A64Op.FmovFromTop or A64Op.FcvtToSigned or A64Op.FcvtToUnsigned or A64Op.Umov or A64Op.Smov:
                W(i.Rd);
                RV(i.Rn);
                break;
            case A64Op.FmovFromGeneral or A64Op.Scvtf or A64Op.Ucvtf or A64Op.DupGeneral:
                WV(i.Rd);
                R(i.Rn);
                break;
            case A64Op.FmovToTop or A64Op.InsGeneral:
                WV(i.Rd);
                RV(i.Rd);
                R(i.Rn);
                break;
            case A64Op.InsElement or A64Op.OrrVecImm or A64Op.BicVecImm:
                WV(i.Rd);
                RV(i.Rd);
                RV(i.Rn);
                break;
            case A64Op.Fcmp or A64Op.Fccmp:
                RV(i.Rn);
                RV(i.Rm);
                break;
            case A64Op.Fmadd or A64Op.Fmsub or A64Op.Fnmadd or A64Op.Fnmsub:
                WV(i.Rd);
                RV(i.Rn);
                RV(i.Rm);
                RV(i.Ra);
                break;
            case A64Op.VecBsl or A64Op.VecBit or A64Op.VecBif:
                WV(i.Rd);
                RV(i.Rd);
                RV(i.Rn);
                RV(i.Rm);
                break;
            case A64Op.FmovReg or A64Op.Fabs or A64Op.Fneg or A64Op.Fsqrt or A64Op.FcvtToSingle or A64Op.FcvtToDouble or A64Op.Frint
                or A64Op.ScvtfScalar or A64Op.UcvtfScalar or A64Op.FcvtzsScalar or A64Op.FcvtzuScalar or A64Op.DupElement
                or A64Op.VecFneg or A64Op.VecFabs or A64Op.Cnt or A64Op.Uaddlv:
                WV(i.Rd);
                RV(i.Rn);
                break;
            case A64Op.Fadd or A64Op.Fsub or A64Op.Fmul or A64Op.Fdiv or A64Op.Fnmul or A64Op.Fmax or A64Op.Fmin or A64Op.Fmaxnm or A64Op.Fminnm
                or A64Op.Fcsel or A64Op.VecAnd or A64Op.VecBic or A64Op.VecOrr or A64Op.VecOrn or A64Op.VecEor:
                WV(i.Rd);
                RV(i.Rn);
                RV(i.Rm);
                break;
            case A64Op.Brk or A64Op.Nop or A64Op.Barrier or A64Op.Clrex:
                break;
            case A64Op.Unknown or A64Op.Undecoded:
                flow = ControlFlow.Return;
                break;
            default:
                // Data processing with two source registers (shifted, extended, with carry, variable shifts,
                // divisions, multiply-high, conditional selects).
                W(i.Rd);
                R(i.Rn);
                R(i.Rm);
                break;
        }
        return new Effects(address, reads, writes, target, flow, access, test);

        // A load writes its register(s), a store reads them; both read the base (and index) register, and a pre- or
        // post-indexed access writes the base back.
        void Transfer(bool load, bool vector, bool pair)
        {
            var data = (vector ? Bit(64 + i.Rd) : Bit(A64Slot(i.Rd))) | (!pair ? UInt128.Zero : vector ? Bit(64 + i.Ra) : Bit(A64Slot(i.Ra)));
            if (load)
            {
                writes |= data;
            }
            else
            {
                reads |= data;
            }
            if (i.Mode == AddressMode.Literal)
            {
                return;
            }
            if (i.Mode is AddressMode.Offset or AddressMode.PreIndex or AddressMode.PostIndex)
            {
                access = new MemoryAccess(A64Slot(i.Rn), i.Mode == AddressMode.PostIndex ? 0 : i.Imm, i.Size * (pair ? 2 : 1), load, pair);
            }
            R(i.Rn);
            if (i.Mode == AddressMode.Register)
            {
                R(i.Rm);
            }
            if (i.Mode is AddressMode.PreIndex or AddressMode.PostIndex)
            {
                W(i.Rn);
            }
        }
    }

    /// <summary>DWARF number of an A64 register-file slot, or -1 for XZR and the discard slot.</summary>
    private static int A64Slot(byte slot) => slot <= 30 ? slot : slot == A64Instruction.Sp ? 31 : -1;
}
