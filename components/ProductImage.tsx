import { useId, type ReactNode } from "react";

// Every product gets its own picture, drawn here from its name: a colour from a hash of the name and
// a silhouette picked by keyword. No external assets, the same picture on every render.

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

const stroke = { fill: "none", stroke: "white", strokeWidth: 6, strokeLinecap: "round", strokeLinejoin: "round" } as const;

const shapes: { words: RegExp; draw: ReactNode }[] = [
  {
    words: /head(phone|set)|ear|audio|sound/i,
    draw: (
      <g {...stroke}>
        <path d="M50 110 V90 a50 50 0 0 1 100 0 V110" />
        <rect x="38" y="104" width="24" height="42" rx="10" fill="white" />
        <rect x="138" y="104" width="24" height="42" rx="10" fill="white" />
      </g>
    ),
  },
  {
    words: /watch|clock|time/i,
    draw: (
      <g {...stroke}>
        <rect x="82" y="34" width="36" height="30" rx="6" />
        <rect x="82" y="136" width="36" height="30" rx="6" />
        <circle cx="100" cy="100" r="40" fill="white" fillOpacity="0.25" />
        <path d="M100 78 V100 L114 110" />
      </g>
    ),
  },
  {
    words: /shoe|sneaker|boot|runner/i,
    draw: (
      <g {...stroke}>
        <path d="M34 128 V96 q18 4 30 -12 l44 30 q30 6 52 10 q14 3 10 18 H34 Z" fill="white" fillOpacity="0.25" />
        <path d="M34 140 H170" />
        <path d="M74 96 l10 8 M88 104 l10 8" />
      </g>
    ),
  },
  {
    words: /bag|backpack|tote|case/i,
    draw: (
      <g {...stroke}>
        <rect x="50" y="70" width="100" height="86" rx="14" fill="white" fillOpacity="0.25" />
        <path d="M78 70 V58 a22 22 0 0 1 44 0 V70" />
      </g>
    ),
  },
  {
    words: /phone|tablet|mobile/i,
    draw: (
      <g {...stroke}>
        <rect x="70" y="36" width="60" height="128" rx="12" fill="white" fillOpacity="0.25" />
        <path d="M92 150 H108" />
      </g>
    ),
  },
  {
    words: /camera|lens|photo/i,
    draw: (
      <g {...stroke}>
        <rect x="38" y="68" width="124" height="84" rx="12" fill="white" fillOpacity="0.25" />
        <path d="M74 68 l8 -14 h36 l8 14" />
        <circle cx="100" cy="110" r="24" />
      </g>
    ),
  },
];

const giftBox = (
  <g {...stroke}>
    <rect x="46" y="82" width="108" height="74" rx="6" fill="white" fillOpacity="0.25" />
    <rect x="40" y="66" width="120" height="20" rx="4" />
    <path d="M100 66 V156 M100 66 q-30 -30 -36 -8 q4 10 36 8 q30 -30 36 -8 q-4 10 -36 8" />
  </g>
);

export function ProductImage({ name, className }: { name: string; className?: string }) {
  const h = hash(name);
  const hue = h % 360;
  // One gradient id per picture, not per name: a page may draw a product twice (the sale page's large
  // picture and its phone thumbnail, one of them display:none, whose gradient would paint nothing).
  const id = `g${useId().replace(/[^\w-]/g, "")}`;
  const shape = shapes.find((s) => s.words.test(name))?.draw ?? giftBox;
  return (
    <svg viewBox="0 0 200 200" role="img" aria-label={`Picture of ${name}`} className={className} preserveAspectRatio="xMidYMid slice">
      <defs>
        <linearGradient id={id} x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stopColor={`hsl(${hue} 70% 55%)`} />
          <stop offset="1" stopColor={`hsl(${(hue + 50) % 360} 65% 35%)`} />
        </linearGradient>
      </defs>
      <rect width="200" height="200" fill={`url(#${id})`} />
      <circle cx={40 + (h % 120)} cy={30 + ((h >> 8) % 50)} r="60" fill="white" fillOpacity="0.08" />
      {shape}
    </svg>
  );
}
