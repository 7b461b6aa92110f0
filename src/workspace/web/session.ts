import { api, setCsrfToken } from './api.ts';

export type Role = 'admin' | 'collector' | 'viewer';
export interface User {
  id: number;
  email: string;
  name: string;
  role: Role;
}

interface SessionAnswer {
  user: User;
  csrf_token: string;
}

export async function currentUser(): Promise<User | null> {
  try {
    const answer = await api<SessionAnswer>('/api/session');
    setCsrfToken(answer.csrf_token);
    return answer.user;
  } catch {
    return null;
  }
}

export async function signIn(email: string, password: string): Promise<User> {
  const answer = await api<SessionAnswer>('/api/session', { method: 'POST', body: { email, password } });
  setCsrfToken(answer.csrf_token);
  return answer.user;
}

export async function signOut(): Promise<void> {
  await api<void>('/api/session', { method: 'DELETE' });
  setCsrfToken('');
}

export const canCollect = (user: User) => user.role !== 'viewer';
