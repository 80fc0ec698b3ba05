using System.Runtime.InteropServices;

namespace Popcorn.Emulation.AArch64;

/// <summary>How a load or store forms its address.</summary>
internal enum AddressMode : byte
{
    /// <summary>Base register plus <see cref="A64Instruction.Imm"/> (unsigned scaled or unscaled signed offset).</summary>
    Offset,
    /// <summary>Base plus offset, written back to the base before the access.</summary>
    PreIndex,
    /// <summary>Access at the base, then base plus offset written back.</summary>
    PostIndex,
    /// <summary>Base plus the extended and shifted index register.</summary>
    Register,
    /// <summary>The PC-relative address, resolved at decode time into <see cref="A64Instruction.Imm"/>.</summary>
    Literal,
}

/// <summary>
/// One decoded A64 instruction: the operation and its operands, with everything that depends only on the word and
/// its address (bit masks, branch targets, PC-relative addresses) computed once at decode time.
/// </summary>
/// <remarks>
/// General-purpose register fields hold register-file slots, not encodings: 0–30 are X0–X30, <see cref="Zr"/> reads
/// as zero, <see cref="Sp"/> is the stack pointer and <see cref="Sink"/> swallows writes to XZR. Which of SP or XZR
/// register 31 means is decided per operand by the decoder, as the manual does per encoding.
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
internal struct A64Instruction
{
    /// <summary>Register-file slot that always reads zero.</summary>
    public const byte Zr = 31;
    /// <summary>Register-file slot of the stack pointer.</summary>
    public const byte Sp = 32;
    /// <summary>Register-file slot that absorbs writes to XZR.</summary>
    public const byte Sink = 33;
    /// <summary>Number of register-file slots.</summary>
    public const int SlotCount = 34;

    public A64Op Op;
    public byte Rd;
    public byte Rn;
    public byte Rm;
    public byte Ra;
    /// <summary>True for the 64-bit form (sf = 1).</summary>
    public bool Sf;
    /// <summary>Condition code for conditional instructions.</summary>
    public byte Cond;
    /// <summary>Shift type (LSL, LSR, ASR, ROR) or extend option.</summary>
    public byte Shift;
    /// <summary>Shift amount, bit number, or rotation.</summary>
    public byte Amount;
    /// <summary>Addressing mode of a load or store.</summary>
    public AddressMode Mode;
    /// <summary>Access or element size in bytes.</summary>
    public byte Size;
    public long Imm;
    public long Imm2;
}
