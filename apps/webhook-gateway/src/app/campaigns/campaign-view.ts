import type { GroupMessage } from '@inbound/domain';

/** A group message (one send to many recipients) and its counters, as the admin API shows it. */
export interface CampaignView {
  id: string;
  channel_id: string;
  total_count: number;
  delivered_count: number;
  failed_count: number;
  read_count: number;
  status: string;
  created_at: string;
  updated_at: string;
}

export function campaignView(row: GroupMessage): CampaignView {
  return {
    id: row.id,
    channel_id: row.channel_id,
    total_count: row.total_count,
    delivered_count: row.delivered_count,
    failed_count: row.failed_count,
    read_count: row.read_count,
    status: row.status,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
