// Between the store's message rows and the issue views the planner works on: what a stored
// message shows (its alert, state and counter), and the columns a view is saved as.
import type { IssueView } from '../issue/plan.js';
import { OPEN, type IssueState } from '../issue/state.js';
import type { Alert } from '../normalise/alert.js';
import type { MessageRow } from '../store/store.js';

/** What an alert message keeps in its content column. */
export interface AlertContent {
  alert: Alert;
}

const ISSUE_STATUSES = new Set(['unresolved', 'resolved', 'ignored']);

export function stateOfRow(row: MessageRow): IssueState {
  return {
    status: row.status && ISSUE_STATUSES.has(row.status) ? (row.status as IssueState['status']) : OPEN.status,
    substatus: row.substatus,
    assignee: row.assignee,
    line: row.statusLine,
    by: row.changedBy,
    at: row.changedAt,
  };
}

export function stateColumns(state: IssueState) {
  return {
    status: state.status,
    substatus: state.substatus,
    assignee: state.assignee,
    statusLine: state.line,
    changedBy: state.by,
    changedAt: state.at,
  };
}

/** The state columns of a message that is not about an issue (digests, other alerts). */
export const NO_STATE = { issueId: null, status: null, substatus: null, assignee: null, statusLine: null, changedBy: null, changedAt: null };

export function viewOfRow(row: MessageRow): IssueView {
  const { alert } = JSON.parse(row.content ?? '{}') as AlertContent;
  return { body: alert, state: stateOfRow(row), count: row.count, firstSeen: row.firstSeen, lastSeen: row.lastSeen };
}
