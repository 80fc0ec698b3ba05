using System.Globalization;
using System.Text;

namespace Popcorn.Toolchain;

/// <summary>The regions of a multi-ISA address space, in address order.</summary>
internal enum LayoutRegion
{
    /// <summary>Code (<c>.text*</c>).</summary>
    Text,

    /// <summary>Read-only data (<c>.rodata*</c>, riscv <c>.srodata*</c>).</summary>
    ReadOnlyData,

    /// <summary>Initialized thread-local data (<c>.tdata*</c>).</summary>
    ThreadData,

    /// <summary>Zero-initialized thread-local data (<c>.tbss*</c>).</summary>
    ThreadBss,

    /// <summary>Initialized data (<c>.data*</c>, riscv <c>.sdata*</c>, <c>.init_array</c>).</summary>
    Data,

    /// <summary>Zero-initialized data (<c>.bss*</c>, riscv <c>.sbss*</c>).</summary>
    Bss,
}

/// <summary>
/// Popcorn's alignment step (its <c>pyalign</c>) for lld: from the maps of a first, unaligned link on every ISA,
/// places each input section that both ISAs have (same object file, same section: one function or one global) at
/// the same offset of its region, padded to the larger of its sizes and aligned to the larger of its alignments, and
/// every ISA-only section (libgcc helpers, constant pools, jump tables) in a range no other ISA uses. Regions start
/// at fixed addresses, so one linker script per ISA reproduces the same addresses.
/// </summary>
internal static class LayoutPlanner
{
    /// <summary>Where the first region (code) starts.</summary>
    public const ulong BaseAddress = 0x400000;

    private const ulong RegionAlignment = 0x10000;

    /// <summary>The prefix of the objects the toolchain compiles (from the one IR, or the per-ISA runtime start-up);
    /// their sections, and those of archive members both ISAs link, are placed one by one.</summary>
    public const string OwnObjectPrefix = "pc-";

    /// <summary>Writes one linker script per ISA from the first link's maps.</summary>
    public static IReadOnlyDictionary<TargetIsa, string> Plan(IReadOnlyDictionary<TargetIsa, IReadOnlyList<LinkMapSection>> maps)
    {
        var isas = maps.Keys.OrderBy(isa => isa).ToArray();
        var scripts = isas.ToDictionary(isa => isa, _ => new StringBuilder("ENTRY(_start)\nSECTIONS\n{\n"));
        var address = BaseAddress;
        foreach (var region in Enum.GetValues<LayoutRegion>())
        {
            var plan = PlanRegion(region, isas, maps);
            if (region == LayoutRegion.ThreadBss)
            {
                // .tbss follows .tdata directly, as the TLS template requires.
                address = AlignUp(address, plan.Alignment);
            }
            else
            {
                address = AlignUp(address, RegionAlignment);
            }
            foreach (var isa in isas)
            {
                WriteRegion(scripts[isa], region, address, plan, isa);
            }
            address += plan.Size;
            if (region == LayoutRegion.ReadOnlyData)
            {
                // Unwind tables and GOTs differ per ISA: a region large enough for the larger ones, after the
                // read-only data. A static link resolves the GOT completely: on pages of its own, the loader maps it
                // read-only and private to each node (riscv64's reserves a first entry and holds libgcc's
                // __clz_tab: in the shared data it would take the other ISA's entries).
                var unwindSize = isas.Max(isa => maps[isa].Where(s => s.Name == ".eh_frame").Sum(s => (long)s.Size));
                var gotSize = isas.Max(isa => maps[isa].Where(s => s.Name is ".got" or ".got.plt").Sum(s => (long)s.Size));
                address = AlignUp(address, RegionAlignment);
                foreach (var isa in isas)
                {
                    scripts[isa].Append(CultureInfo.InvariantCulture, $"  .eh_frame 0x{address:x} : {{ KEEP(*(.eh_frame)) }}\n")
                        .Append("  .got : ALIGN(0x1000) { *(.got) *(.got.plt) }\n");
                }
                address += (ulong)(unwindSize + gotSize) + 0x2000;
            }
        }
        foreach (var isa in isas)
        {
            scripts[isa].Append("  __pc_tdata_start = ADDR(.tdata);\n  __pc_tdata_end = ADDR(.tdata) + SIZEOF(.tdata);\n")
                .Append("  __pc_tbss_end = ADDR(.tbss) + SIZEOF(.tbss);\n  __pc_tls_align = ABSOLUTE(MAX(ALIGNOF(.tdata), ALIGNOF(.tbss)));\n");
            // Call-site metadata: read by the migration runtime from the file, never loaded.
            scripts[isa].Append("  .llvm_stackmaps 0 (INFO) : { *(.llvm_stackmaps) }\n");
            scripts[isa].Append("  /DISCARD/ : { *(.note.GNU-stack) *(.gnu_debuglink) *(.comment.*) *(" + MigrationInstrumenter.KeepSection + ") }\n}\n");
        }
        return scripts.ToDictionary(p => p.Key, p => p.Value.ToString());
    }

    /// <summary>The region an input section belongs to, or null for sections the scripts do not place (debug, unwind).</summary>
    public static LayoutRegion? RegionOf(string sectionName)
    {
        static bool Is(string name, string prefix) => name == prefix || name.StartsWith(prefix + ".", StringComparison.Ordinal);
        if (Is(sectionName, ".text"))
        {
            return LayoutRegion.Text;
        }
        if (Is(sectionName, ".rodata") || Is(sectionName, ".srodata"))
        {
            return LayoutRegion.ReadOnlyData;
        }
        if (Is(sectionName, ".tdata"))
        {
            return LayoutRegion.ThreadData;
        }
        if (Is(sectionName, ".tbss"))
        {
            return LayoutRegion.ThreadBss;
        }
        if (Is(sectionName, ".data") || Is(sectionName, ".sdata") || Is(sectionName, ".init_array") || Is(sectionName, ".fini_array"))
        {
            return LayoutRegion.Data;
        }
        if (Is(sectionName, ".bss") || Is(sectionName, ".sbss") || sectionName == "COMMON")
        {
            return LayoutRegion.Bss;
        }
        return null;
    }

    private sealed record Placement(string Pattern, IReadOnlyDictionary<TargetIsa, string> Names, ulong Offset);

    private sealed record RegionPlan(IReadOnlyList<Placement> Common, IReadOnlyDictionary<TargetIsa, ulong> OnlyStart, ulong Size, ulong Alignment);

    private static RegionPlan PlanRegion(LayoutRegion region, TargetIsa[] isas, IReadOnlyDictionary<TargetIsa, IReadOnlyList<LinkMapSection>> maps)
    {
        // Key: object file and section name, with riscv's small-data prefixes folded (".sbss.x" matches ".bss.x").
        var byIsa = isas.ToDictionary(isa => isa, isa => maps[isa]
            .Where(s => RegionOf(s.Name) == region)
            .GroupBy(s => (s.FileName, Key: FoldSmallData(s.Name)))
            .ToDictionary(g => g.Key, g => g.ToList()));
        var first = byIsa[isas[0]];
        var commonKeys = maps[isas[0]]
            .Where(s => RegionOf(s.Name) == region && (s.IsArchiveMember || s.FileName.StartsWith(OwnObjectPrefix, StringComparison.Ordinal)))
            .Select(s => (s.FileName, Key: FoldSmallData(s.Name)))
            .Distinct()
            .Where(k => first[k].Count == 1 && isas.All(isa => byIsa[isa].TryGetValue(k, out var list) && list.Count == 1))
            .ToList();
        var common = new HashSet<(string, string)>(commonKeys);

        ulong offset = 0;
        ulong regionAlignment = 1;
        var placements = new List<Placement>();
        foreach (var key in commonKeys)
        {
            var sections = isas.Select(isa => byIsa[isa][key][0]).ToArray();
            var alignment = sections.Max(s => s.Alignment);
            regionAlignment = Math.Max(regionAlignment, alignment);
            offset = AlignUp(offset, alignment);
            placements.Add(new Placement(sections[0].ScriptPattern, isas.Zip(sections).ToDictionary(p => p.First, p => p.Second.Name), offset));
            offset += sections.Max(s => s.Size);
        }

        var onlyStart = new Dictionary<TargetIsa, ulong>();
        foreach (var isa in isas)
        {
            var only = maps[isa].Where(s => RegionOf(s.Name) == region && !common.Contains((s.FileName, FoldSmallData(s.Name)))).ToList();
            var maxAlignment = only.Count == 0 ? 1 : only.Max(s => s.Alignment);
            regionAlignment = Math.Max(regionAlignment, maxAlignment);
            offset = AlignUp(offset, Math.Max(maxAlignment, 16));
            onlyStart[isa] = offset;
            foreach (var section in only)
            {
                offset = AlignUp(offset, section.Alignment) + section.Size;
            }
            // Slack for the linker's own ordering of the catch-all.
            offset += only.Count == 0 ? 0 : maxAlignment * (ulong)only.Count;
        }
        return new RegionPlan(placements, onlyStart, AlignUp(offset, regionAlignment), regionAlignment);
    }

    private static void WriteRegion(StringBuilder script, LayoutRegion region, ulong address, RegionPlan plan, TargetIsa isa)
    {
        var (name, catchAll) = region switch
        {
            LayoutRegion.Text => (".text", "*(.text .text.*)"),
            LayoutRegion.ReadOnlyData => (".rodata", "*(.rodata .rodata.* .srodata .srodata.*)"),
            LayoutRegion.ThreadData => (".tdata", "*(.tdata .tdata.*)"),
            LayoutRegion.ThreadBss => (".tbss", "*(.tbss .tbss.*)"),
            LayoutRegion.Data => (".data", "*(.data .data.* .sdata .sdata.*) KEEP(*(.init_array .init_array.*)) KEEP(*(.fini_array .fini_array.*))"),
            _ => (".bss", "*(.bss .bss.* .sbss .sbss.* COMMON)"),
        };
        var at = region == LayoutRegion.ThreadBss ? "" : $"0x{address:x} ";
        script.Append(CultureInfo.InvariantCulture, $"  {name} {at}: ALIGN(0x{plan.Alignment:x})\n  {{\n");
        foreach (var placement in plan.Common)
        {
            script.Append(CultureInfo.InvariantCulture, $"    . = ADDR({name}) + 0x{placement.Offset:x};\n    {placement.Pattern}({placement.Names[isa]})\n");
        }
        script.Append(CultureInfo.InvariantCulture, $"    . = ADDR({name}) + 0x{plan.OnlyStart[isa]:x};\n    {catchAll}\n");
        script.Append(CultureInfo.InvariantCulture, $"    . = ADDR({name}) + 0x{plan.Size:x};\n  }}\n");
    }

    private static string FoldSmallData(string name) =>
        name.StartsWith(".sbss", StringComparison.Ordinal) || name.StartsWith(".sdata", StringComparison.Ordinal) || name.StartsWith(".srodata", StringComparison.Ordinal)
            ? "." + name[2..]
            : name;

    private static ulong AlignUp(ulong value, ulong alignment) => alignment <= 1 ? value : (value + alignment - 1) / alignment * alignment;
}
