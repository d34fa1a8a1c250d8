"use client";

import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { ActivityPoint } from "@/db/admin-stats";

const clock = (t: number) => new Date(t * 1000).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" });

/** Accepted and processed (completed + failed) orders per second. Animation off: it redraws every second. */
export function ActivityChart({ series }: { series: ActivityPoint[] }) {
  const points = series.map((p) => ({ t: p.t, accepted: p.accepted, processed: p.completed + p.failed }));
  const total = points.reduce((n, p) => n + p.accepted, 0);
  return (
    <div data-testid="activity-chart" data-accepted-total={total} className="h-64 w-full">
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#a1a1aa55" />
          <XAxis dataKey="t" tickFormatter={clock} minTickGap={40} fontSize={11} />
          <YAxis allowDecimals={false} width={40} fontSize={11} />
          <Tooltip labelFormatter={(t) => clock(Number(t))} />
          <Legend />
          <Area type="monotone" dataKey="accepted" name="accepted / s" stroke="#f59e0b" fill="#f59e0b33" isAnimationActive={false} />
          <Area type="monotone" dataKey="processed" name="processed / s" stroke="#10b981" fill="#10b98133" isAnimationActive={false} />
        </AreaChart>
      </ResponsiveContainer>
    </div>
  );
}
