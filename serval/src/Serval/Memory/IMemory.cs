using Serval.Symbolic;

namespace Serval.Memory;

/// <summary>The memory models the RISC-V interpreter runs on.</summary>
public enum MemoryModel
{
    /// <summary>Serval's structured model: disjoint regions typed from DWARF, in-bounds checks as bugs.</summary>
    Structured,

    /// <summary>Serval's flat model: one uninterpreted function from address to byte, with functional updates.</summary>
    Flat,
}

/// <summary>
/// A memory one path of the interpreter owns: loads and stores of 1, 2, 4 or 8 bytes, little-endian, each reporting
/// the conditions under which it is undefined behaviour.
/// </summary>
public interface IMemory
{
    /// <summary>Loads <paramref name="size"/> bytes at <paramref name="address"/>, zero-extended to 64 bits.</summary>
    BitVec Load(BitVec address, int size, List<MemoryFault> faults);

    /// <summary>Stores the low <paramref name="size"/> bytes of <paramref name="value"/> at <paramref name="address"/> when <paramref name="guard"/> holds.</summary>
    void Store(BitVec address, int size, BitVec value, Bool guard, List<MemoryFault> faults);

    /// <summary>A copy that evolves independently (forks are cheap: copy on write).</summary>
    IMemory Clone();

    /// <summary>The same memory with every symbolic initial value replaced by its value in <paramref name="model"/>.</summary>
    IMemory Concretize(Model model);

    /// <summary>A memory equal to this one where <paramref name="condition"/> holds and to <paramref name="other"/> elsewhere.</summary>
    /// <exception cref="MergeException">The two memories have different shapes.</exception>
    IMemory Merge(Bool condition, IMemory other);

    /// <summary>
    /// The concrete addresses an access of <paramref name="size"/> bytes at the symbolic <paramref name="address"/> can
    /// reach without a bug, for split-cases; null when the model cannot list them.
    /// </summary>
    IReadOnlyList<ulong>? Positions(BitVec address, int size);
}

/// <summary>Conveniences over <see cref="IMemory"/>.</summary>
public static class MemoryExtensions
{
    /// <summary>The <paramref name="size"/> bytes at the concrete <paramref name="address"/> (faults ignored), as specifications read globals.</summary>
    public static BitVec Read(this IMemory memory, ulong address, int size = 8)
    {
        ArgumentNullException.ThrowIfNull(memory);
        return memory.Load(BitVec.Of(address, 64), size, []).Extract(size * 8 - 1, 0);
    }
}
