using Popcorn.Emulation;
using Popcorn.Emulation.AArch64;
using Systems.RiscV;

namespace Popcorn.Migration;

/// <summary>
/// How a 64-bit register (or spill slot) holds a narrower integer: it is the sign extension of its low
/// <see cref="SignFrom"/> bytes and the zero extension of its low <see cref="ZeroFrom"/> bytes (1, 2, 4; 8 when
/// nothing is known). A stack map records a 32-bit value as 4 bytes, but the code after the call may read the whole
/// register: riscv64 keeps <c>lw</c> results sign-extended and <c>lwu</c> results zero-extended, aarch64 keeps W
/// results zero-extended and <c>ldrsw</c> results sign-extended. Stack transformation writes the value in the form
/// the destination's code produced it in.
/// </summary>
internal readonly record struct Widths(byte SignFrom, byte ZeroFrom)
{
    /// <summary>Nothing known.</summary>
    public static readonly Widths Unknown = new(8, 8);

    /// <summary>The weaker of two facts (what holds on both paths).</summary>
    public Widths Meet(Widths other) => new(Math.Max(SignFrom, other.SignFrom), Math.Max(ZeroFrom, other.ZeroFrom));

    /// <summary>A value sign-extended from its low <paramref name="bits"/> bits.</summary>
    public static Widths Signed(int bits) => new(BytesFor(bits), 8);

    /// <summary>A value that fits in <paramref name="bits"/> unsigned bits (so it is also a signed value one bit wider).</summary>
    public static Widths Unsigned(int bits) => new(BytesFor(bits + 1), BytesFor(bits));

    /// <summary>The widths of a known constant.</summary>
    public static Widths Of(long value)
    {
        byte sign = 8, zero = 8;
        foreach (var bytes in new byte[] { 4, 2, 1 })
        {
            var bits = bytes * 8;
            if (value == (value << (64 - bits)) >> (64 - bits))
            {
                sign = bytes;
            }
            if ((ulong)value >> bits == 0)
            {
                zero = bytes;
            }
        }
        return new Widths(sign, zero);
    }

    /// <summary>How a narrower value held this way is extended: the narrower of the two facts decides;
    /// <see cref="IntegerExtension.Unknown"/> when neither is narrower.</summary>
    public IntegerExtension ExtensionOf() =>
        SignFrom < ZeroFrom ? IntegerExtension.Sign : ZeroFrom < SignFrom ? IntegerExtension.Zero : IntegerExtension.Unknown;

    private static byte BytesFor(int bits) => bits <= 8 ? (byte)1 : bits <= 16 ? (byte)2 : bits <= 32 ? (byte)4 : (byte)8;
}

internal static partial class MachineCode
{
    /// <summary>The widths of <paramref name="register"/> (aarch64's XZR is -1 here, riscv64's zero register 0).</summary>
    private static Widths WidthsOf(Isa isa, RegisterFacts state, int register) =>
        register < 0 || isa == Isa.RiscV64 && register == 0 ? new Widths(1, 1) : state.Registers.GetValueOrDefault(register, Widths.Unknown);

    private static void SetWidths(Isa isa, RegisterFacts state, int register, Widths widths)
    {
        if (register < 0 || isa == Isa.RiscV64 && register == 0)
        {
            return;
        }
        if (widths == Widths.Unknown)
        {
            state.Registers.Remove(register);
        }
        else
        {
            state.Registers[register] = widths;
        }
    }

    /// <summary>A store of <paramref name="bytes"/> at <paramref name="offset"/> from <paramref name="baseRegister"/>:
    /// an 8-byte store of a register records that register's widths for the slot; any other store through the stack
    /// or frame pointer ends what was known of the bytes it overwrites.</summary>
    private static void StoreWidths(Isa isa, RegisterFacts state, int baseRegister, long offset, int bytes, int? source)
    {
        if (baseRegister != StackPointer(isa) && baseRegister != FramePointer(isa))
        {
            return;
        }
        foreach (var key in state.Slots.Keys.Where(k => k.Base == baseRegister && k.Offset < offset + bytes && offset < k.Offset + 8).ToList())
        {
            state.Slots.Remove(key);
        }
        if (bytes == 8 && source is { } register && WidthsOf(isa, state, register) is var widths && widths != Widths.Unknown)
        {
            state.Slots[(baseRegister, offset)] = widths;
        }
    }

    private static Widths LoadedWidths(Isa isa, RegisterFacts state, int baseRegister, long offset) =>
        baseRegister == StackPointer(isa) || baseRegister == FramePointer(isa) ? state.Slots.GetValueOrDefault((baseRegister, offset), Widths.Unknown) : Widths.Unknown;

    /// <summary>Forgets every slot addressed through <paramref name="register"/> when an instruction moves it.</summary>
    private static void MovedBase(RegisterFacts state, int register)
    {
        foreach (var key in state.Slots.Keys.Where(k => k.Base == register).ToList())
        {
            state.Slots.Remove(key);
        }
    }

    /// <summary>Updates the widths of the registers and spill slots one aarch64 instruction writes.</summary>
    private static void A64Widths(uint word, ulong address, RegisterFacts state)
    {
        var effects = A64Effects(word, address);
        var i = A64Decoder.Decode(word, address);
        // What the instruction writes is unknown unless a case below says otherwise.
        var oldRm = WidthsOf(Isa.Aarch64, state, A64Slot(i.Rm));
        for (var r = 0; r < 32; r++)
        {
            if ((effects.Writes & Bit(r)) != 0)
            {
                SetWidths(Isa.Aarch64, state, r, Widths.Unknown);
                if (r is 29 or 31)
                {
                    MovedBase(state, r);
                }
            }
        }
        var rd = A64Slot(i.Rd);
        var access = effects.Access;
        if (i.Mode is AddressMode.PreIndex or AddressMode.PostIndex)
        {
            // Prologues and epilogues: the slots addressed through the moved base were forgotten above.
            return;
        }
        switch (i.Op)
        {
            case A64Op.MovConst:
                SetWidths(Isa.Aarch64, state, rd, Widths.Of(i.Imm));
                return;
            case A64Op.Ldrb:
                SetWidths(Isa.Aarch64, state, rd, Widths.Unsigned(8));
                return;
            case A64Op.Ldrh:
                SetWidths(Isa.Aarch64, state, rd, Widths.Unsigned(16));
                return;
            case A64Op.LdrW or A64Op.LdrsbW or A64Op.LdrshW:
                SetWidths(Isa.Aarch64, state, rd, Widths.Unsigned(32));
                return;
            case A64Op.LdpW:
                SetWidths(Isa.Aarch64, state, rd, Widths.Unsigned(32));
                SetWidths(Isa.Aarch64, state, A64Slot(i.Ra), Widths.Unsigned(32));
                return;
            case A64Op.LdrsbX:
                SetWidths(Isa.Aarch64, state, rd, Widths.Signed(8));
                return;
            case A64Op.LdrshX:
                SetWidths(Isa.Aarch64, state, rd, Widths.Signed(16));
                return;
            case A64Op.Ldrsw:
                SetWidths(Isa.Aarch64, state, rd, Widths.Signed(32));
                return;
            case A64Op.Ldpsw:
                SetWidths(Isa.Aarch64, state, rd, Widths.Signed(32));
                SetWidths(Isa.Aarch64, state, A64Slot(i.Ra), Widths.Signed(32));
                return;
            case A64Op.Ldxr or A64Op.Ldar when i.Size <= 4:
                SetWidths(Isa.Aarch64, state, rd, Widths.Unsigned(i.Size * 8));
                return;
            case A64Op.LdrX when i.Mode == AddressMode.Offset:
                SetWidths(Isa.Aarch64, state, rd, LoadedWidths(Isa.Aarch64, state, access.Base, access.Offset));
                return;
            case A64Op.LdpX when i.Mode == AddressMode.Offset:
                SetWidths(Isa.Aarch64, state, rd, LoadedWidths(Isa.Aarch64, state, access.Base, access.Offset));
                SetWidths(Isa.Aarch64, state, A64Slot(i.Ra), LoadedWidths(Isa.Aarch64, state, access.Base, access.Offset + 8));
                return;
            case A64Op.Strb or A64Op.Strh or A64Op.StrW or A64Op.StrB or A64Op.StrH or A64Op.StrS or A64Op.StrD or A64Op.StrQ
                or A64Op.StpW or A64Op.StpS or A64Op.StpD or A64Op.StpQ when access.Base >= 0:
                StoreWidths(Isa.Aarch64, state, access.Base, access.Offset, access.Bytes, null);
                return;
            case A64Op.StrX when access.Base >= 0:
                StoreWidths(Isa.Aarch64, state, access.Base, access.Offset, 8, rd);
                return;
            case A64Op.StpX when access.Base >= 0:
                StoreWidths(Isa.Aarch64, state, access.Base, access.Offset, 8, rd);
                StoreWidths(Isa.Aarch64, state, access.Base, access.Offset + 8, 8, A64Slot(i.Ra));
                return;
            case A64Op.Sbfm when i.Sf && i.Shift >= i.Amount:
                // SXTB/SXTH/SXTW, SBFX: a field of imms - immr + 1 bits, sign-extended.
                SetWidths(Isa.Aarch64, state, rd, Widths.Signed(i.Shift - i.Amount + 1));
                return;
            case A64Op.Ubfm when i.Sf:
                // UBFX/LSR keep imms - immr + 1 bits; UBFIZ/LSL put imms + 1 bits at 64 - immr.
                SetWidths(Isa.Aarch64, state, rd, Widths.Unsigned(i.Shift >= i.Amount ? i.Shift - i.Amount + 1 : Math.Min(63, i.Shift + 1 + 64 - i.Amount)));
                return;
        }
        var integerDataProcessing = (word & 0x1C00_0000) == 0x1000_0000 || (word & 0x0E00_0000) == 0x0A00_0000;
        if (integerDataProcessing && (word >> 31) == 0)
        {
            // Every 32-bit operation zeroes the upper half of its X register (MOV Wd, Wm keeps a narrower unsigned value).
            SetWidths(Isa.Aarch64, state, rd, (word & 0x7FE0_FFE0) == 0x2A00_03E0 && oldRm.ZeroFrom < 4 ? oldRm : Widths.Unsigned(32));
        }
        else if ((word & 0xFFE0_FFE0) == 0xAA00_03E0)
        {
            // MOV Xd, Xm
            SetWidths(Isa.Aarch64, state, rd, oldRm);
        }
    }

    /// <summary>Updates the widths of the registers and spill slots one riscv64 instruction writes.</summary>
    private static void RiscVWidths(uint word, int length, RegisterFacts state)
    {
        var i = length == 2 ? InstructionDecoder.DecodeCompressed((ushort)word) : InstructionDecoder.Decode32(word);
        var rs1 = WidthsOf(Isa.RiscV64, state, i.Rs1);
        switch (i.Opcode)
        {
            case Opcode.Sb or Opcode.Sh or Opcode.Sw or Opcode.Fsw:
                StoreWidths(Isa.RiscV64, state, i.Rs1, i.Imm, i.Opcode is Opcode.Sb ? 1 : i.Opcode is Opcode.Sh ? 2 : 4, null);
                return;
            case Opcode.Sd or Opcode.Fsd:
                StoreWidths(Isa.RiscV64, state, i.Rs1, i.Imm, 8, i.Opcode == Opcode.Sd ? i.Rs2 : null);
                return;
            case Opcode.Beq or Opcode.Bne or Opcode.Blt or Opcode.Bge or Opcode.Bltu or Opcode.Bgeu or Opcode.Fence or Opcode.FenceTso or Opcode.FenceI
                or Opcode.Ecall or Opcode.Ebreak:
                return;
        }
        if (i.Opcode is >= Opcode.Flw and <= Opcode.FmvDX && !WritesIntegerRegister(i.Opcode))
        {
            return;
        }
        if (i.Rd is 2 or 8)
        {
            MovedBase(state, i.Rd);
        }
        var widths = i.Opcode switch
        {
            Opcode.Lb => Widths.Signed(8),
            Opcode.Lh => Widths.Signed(16),
            Opcode.Lbu => Widths.Unsigned(8),
            Opcode.Lhu => Widths.Unsigned(16),
            Opcode.Lwu => Widths.Unsigned(32),
            Opcode.Ld => LoadedWidths(Isa.RiscV64, state, i.Rs1, i.Imm),
            Opcode.Lw or Opcode.LrW or Opcode.Lui or Opcode.Addiw or Opcode.Slliw or Opcode.Srliw or Opcode.Sraiw or Opcode.Addw or Opcode.Subw or Opcode.Sllw
                or Opcode.Srlw or Opcode.Sraw or Opcode.Mulw or Opcode.Divw or Opcode.Divuw or Opcode.Remw or Opcode.Remuw or Opcode.FcvtWS or Opcode.FcvtWuS
                or Opcode.FcvtWD or Opcode.FcvtWuD or Opcode.FmvXW => Widths.Signed(32),
            >= Opcode.AmoswapW and <= Opcode.AmomaxuW => Widths.Signed(32),
            Opcode.Slt or Opcode.Sltu or Opcode.Slti or Opcode.Sltiu or Opcode.ScW or Opcode.ScD or Opcode.FeqS or Opcode.FltS or Opcode.FleS
                or Opcode.FeqD or Opcode.FltD or Opcode.FleD => Widths.Unsigned(1),
            Opcode.FclassS or Opcode.FclassD => Widths.Unsigned(10),
            Opcode.Addi when i.Rs1 == 0 => Widths.Of(i.Imm),
            Opcode.Addi when i.Imm == 0 => rs1,
            Opcode.Add when i.Rs1 == 0 => WidthsOf(Isa.RiscV64, state, i.Rs2),
            Opcode.Add when i.Rs2 == 0 => rs1,
            Opcode.Andi when i.Imm >= 0 => Widths.Unsigned(64 - (int)long.LeadingZeroCount(i.Imm)),
            Opcode.Srli when (i.Imm & 63) > 0 => Widths.Unsigned(64 - (int)(i.Imm & 63)),
            Opcode.Srai when (i.Imm & 63) > 0 => Widths.Signed(64 - (int)(i.Imm & 63)),
            _ => Widths.Unknown,
        };
        SetWidths(Isa.RiscV64, state, i.Rd, widths);
    }

    /// <summary>The floating-point instructions whose destination is an integer register.</summary>
    private static bool WritesIntegerRegister(Opcode opcode) => opcode is Opcode.FcvtWS or Opcode.FcvtWuS or Opcode.FmvXW or Opcode.FeqS or Opcode.FltS
        or Opcode.FleS or Opcode.FclassS or Opcode.FcvtLS or Opcode.FcvtLuS or Opcode.FcvtWD or Opcode.FcvtWuD or Opcode.FcvtLD or Opcode.FcvtLuD
        or Opcode.FmvXD or Opcode.FeqD or Opcode.FltD or Opcode.FleD or Opcode.FclassD;
}
