using Serval.RiscV;
using Serval.Symbolic;

namespace Serval.Bpf;

/// <summary>
/// An eBPF array map (<c>BPF_MAP_TYPE_ARRAY</c>) as a legacy <c>struct bpf_map_def</c> in section <c>maps</c> declares
/// it: the program refers to it by a handle (LD_IMM64 of the map's symbol), and its values are a memory region.
/// </summary>
/// <param name="Name">The map's symbol.</param>
/// <param name="KeySize">Bytes per key (4 for an array).</param>
/// <param name="ValueSize">Bytes per value.</param>
/// <param name="MaxEntries">How many values.</param>
/// <param name="Handle">What LD_IMM64 of the map loads (no memory lies there).</param>
/// <param name="ValuesAddress">Where its values start.</param>
public sealed record BpfMap(string Name, uint KeySize, uint ValueSize, uint MaxEntries, ulong Handle, ulong ValuesAddress)
{
    /// <summary>BPF_MAP_TYPE_ARRAY.</summary>
    public const uint ArrayType = 2;

    /// <summary>The helper number of <c>bpf_map_lookup_elem</c>.</summary>
    public const int LookupHelper = 1;

    /// <summary>The handle and values address of the <paramref name="index"/>-th map of a program.</summary>
    public static (ulong Handle, ulong ValuesAddress) Placement(int index) => (0xF000_0000UL + ((ulong)index * 16), 0x2000_0000UL + ((ulong)index << 24));

    /// <summary>
    /// The model of <c>bpf_map_lookup_elem(map, key)</c> for array maps (Serval's call manager): r1 must be a map's
    /// handle, r2 points to a 4-byte key; the result is the address of that key's value, or 0 (NULL) when the key is
    /// not below the map's size. Reading the key is a memory access like any other (its faults are reported).
    /// </summary>
    public static BpfHelper Lookup(IReadOnlyList<BpfMap> maps)
    {
        ArgumentNullException.ThrowIfNull(maps);
        return (state, faults) =>
        {
            var handle = state.Registers[1];
            var map = handle.TryGetValue(out var h) ? maps.FirstOrDefault(m => m.Handle == h) : null;
            if (map is null)
            {
                throw new UnsupportedInstructionException($"bpf_map_lookup_elem at index {state.Pc} with r1 = {handle}, not the handle of a map of this program");
            }
            var key = state.Memory.Load(state.Registers[2], (int)map.KeySize, faults).Extract(31, 0).ZeroExtendTo(64);
            var value = BitVec.Of(map.ValuesAddress, 64) + (key * BitVec.Of(map.ValueSize, 64));
            return BitVec.Ite(key.Ult(BitVec.Of(map.MaxEntries, 64)), value, BitVec.Of(0, 64));
        };
    }
}
