namespace Popcorn.Toolchain;

/// <summary>What a live value recorded at a call site is; stored in the descriptor constant before each value.</summary>
public enum LiveValueKind
{
    /// <summary>An integer (or boolean) of the recorded size.</summary>
    Integer = 1,

    /// <summary>A pointer: rewritten when it points into the migrating stack.</summary>
    Pointer = 2,

    /// <summary>A binary floating-point value (float, double, fp128).</summary>
    Float = 3,

    /// <summary>A stack allocation (a local variable): its address is recorded, its contents (of the recorded size) move with the frame.</summary>
    Alloca = 4,
}

/// <summary>
/// How <c>popcorn cc</c> encodes its call-site metadata inside <c>llvm.experimental.stackmap</c> records, so that the
/// stack map sections LLVM emits per ISA are self-describing. Each record's ID is the call's ordinal in its function
/// (the same on every ISA, since one IR is lowered for all). Its locations are: a header constant (magic and frame
/// flags), then pairs of (descriptor constant, value): first every static allocation of the function, then every SSA
/// value live across the call, in one order.
/// </summary>
public static class StackMapEncoding
{
    /// <summary>The upper bits of the header constant.</summary>
    public const long HeaderMagic = 0x5043_0000;

    /// <summary>Header flag: the frame has a variable size (a dynamic allocation).</summary>
    public const long FrameNotRewritable = 1;

    /// <summary>Header flag: a live value has a type the metadata cannot describe (a vector).</summary>
    public const long UnsupportedValue = 2;

    /// <summary>Header flag: the frame holds a <c>va_list</c>, which points into a register save area laid out by each
    /// ISA's own variadic convention.</summary>
    public const long HoldsVaList = 4;

    /// <summary>Header flag: the function returns an aggregate in more than two registers' worth of parts, which
    /// riscv64's backend returns through a hidden slot in the caller's frame that no stack map describes.</summary>
    public const long ReturnsThroughHiddenSlot = 8;

    /// <summary>Every flag that makes the frame impossible to rewrite.</summary>
    public const long NotRewritable = FrameNotRewritable | HoldsVaList | ReturnsThroughHiddenSlot;

    /// <summary>A descriptor constant for a value of <paramref name="kind"/> and <paramref name="size"/> bytes.</summary>
    public static long Descriptor(LiveValueKind kind, long size) => (long)kind | (size << 4);

    /// <summary>Splits a descriptor constant.</summary>
    public static (LiveValueKind Kind, long Size) ParseDescriptor(long descriptor) => ((LiveValueKind)(descriptor & 0xF), descriptor >> 4);
}
